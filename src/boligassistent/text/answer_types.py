"""What kind of value a Norwegian question asks for, and whether a sentence holds such a value.

Rules about the language (question words, bokmål and nynorsk), not about particular questions. The question
kinds, first match wins:
- duration: "hvor/kor lenge", "hvor/kor lang tid", "hvor lang (er) <…tid/periode>", "frist", "hvilken periode";
- time (a point in time): a question opening with "når" or "kva tid", "hvilket år/dato/dag/måned/tidspunkt", and
  "how soon": "hvor/kor fort/raskt/snart/tidlig";
- amount (money): "hvor/kor mye/mykje … koster/betaler/tjener", "hva/kva kostet", "hvilket beløp/sum/pris", "hvor
  stort tilskudd", "hvor høy er husleien" (a size of money);
- count: "hvor/kor mange …";
- share: "hvor/kor stor andel/del/prosent(del)", "hvilken andel/prosent", "hva er andelen/prosentandelen …", "… i
  prosent?";
- quantity (any other measure): "hvor/kor mye/stor/høy/gammel/langt/ofte/…", a measure named by its noun ("hva er
  svarprosenten/renten/folketallet/høyden …");
- person: "hvem/kven er/var <a role>" ("hvem er næringsminister", "kven var leiar for …");
- name: a question opening with "hvem" or "kven" (but not "hvem kan/får/skal/avgjør/har rett …", which asks who a
  rule applies to: a class of people or a body, most often in lowercase), "hva heter", "hvilken organisasjon/kommune/…";
- place: a question opening with "hvor"/"kor" (where), "hvilket sted/land/…".
A "når" inside a question ("hva skjer når …") is a condition, not a time question.

The values a sentence holds are told apart by their form:
- a duration is a number (digits or a number word, "en/ei/ein/ett måned" too) or a quantity word ("flere",
  "titusener av") with a time unit ("tre uker", "6 månader", "tre måneders", "treårsperiode", "flere tiår");
- a date is a day with a month ("1. mars", "01.03.2024"), a month or a weekday;
- a year in year context is a time: "i/fra/til/siden/innen/før/etter 2011", "(2009)", "2011–2014";
- a range takes the class of its last number ("1–1,5 år", "10–20 prosent"); thousands may be grouped by spaces
  ("5 000 kroner");
- money is a number with kroner/kr/NOK/mill./mrd. ("5 000 kroner", "kr 300", "12 mill."), or "gratis"; a share, a
  number with prosent/%/promille; a magnitude, a number with millioner/milliarder ("1,2 millioner");
- numbers citing a provision or a publication ("§ 24", "nr. 6", "Hovednr. 35", "NOU 2011:15") or labelling one of a series
  ("målgruppe 2", "fase 3") are no values;
- any other number is a plain number (a count or a measure).
A duration question is answered by a duration, a date or a year in context; a time question by those or any
year-shaped number, a season, "i fjor", "nå", "kl. 12", "straks", "samme dag", "så snart som mulig"; an amount
question by money, a share or a magnitude; a count question by a plain number or a magnitude, or a number with the
unit it asks for ("hvor mange prosent", "hvor mange år"), and a plain number must count what the question counts
(the noun after it is one of the words after "mange", by stem, compound part or synonym: "seks kommuner" does not
answer "hvor mange familier", "44 mennesker" answers "hvor mange personer"); "hvilket år" only by a value holding a
year; a share question by a share or a plain number ("… var 64"), not by a duration, a date or a year; a quantity
question by any number that is not a date or a year in context; a person question by a person's name (two or more
capitalized words in a row; a function word opening the sentence is none), not by a role or a body ("Kongen i
statsråd"). A question asking what an interest rate is ("hva er renta …") is answered by a share in a sentence naming
a rate, and by a difference in percentage points only when it asks about a change ("hvor mye kan kommunen plusse
på renta?"). A question asking for a rate ("per måned", "i året", "månedlig", "per kvm") is not answered by a
number given per another unit ("21 200 kroner per kvm" does not answer "… sats per måned"); a number with no rate
after it still answers. A value asked in a unit by name ("hvor mange kroner", "… i prosent?", "svarprosenten") is
answered in that unit; a percentage or a duration asked by a compound noun ("svarprosenten", "saksbehandlingstid")
by a value whose sentence names what the compound's first part names. A question's parts may ask for several kinds
("Kor mange …, og for kor lang tid …?", `expected_answer_types`); a sentence asking for a value and placing it in the
present ("renten akkurat nå", "for tiden", "dagens sats") asks for live data (`asks_present_value`), and so does
one asking what the market offers, the cheapest deal or an office's opening hours (`asks_market_offer`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum
from functools import lru_cache

from boligassistent.text.analyzer import STOPWORDS, analyze, synonyms
from boligassistent.text.lemmas import lemma
from boligassistent.text.spelling import one_letter_apart
from boligassistent.text.thesaurus import Synonyms, with_synonyms


class AnswerType(StrEnum):
    QUANTITY = "quantity"
    COUNT = "count"
    SHARE = "share"
    AMOUNT = "amount"
    TIME = "time"
    DURATION = "duration"
    PERSON = "person"
    NAME = "name"
    PLACE = "place"


_Q = re.IGNORECASE
_MEASURE_WORDS = r"mye|mykje|mange|stor|store|høy|høyt|høg|høgt|gammel|gamal|gamle|langt?|lenge|ofte|tung|tungt|dyp|djup"
_DURATION_Q = re.compile(r"\b(hvor|kor)\s+lenge\b|\b(hvor|kor)\s+lang\s+tid\b"
                         r"|\b(hvor|kor)\s+lange?\s+(er|var|blir|vert|ble|vart)?\s*(den\s+|det\s+)?\w*(tid|tida|tiden|perioden?)\b"
                         r"|\bfrist\w*\b|\b\w+frist(en|a|er|ene)?\b|\bhvilke[nt]?\s+(periode|tidsrom)\b"
                         r"|\bkva\s+for\s+(ein\s+)?periode\b", _Q)
# "how soon": "hvor fort/raskt/snart", "kor tidleg" asks for a time, not a place
_SOON = r"fort|raskt|snart|tidlig|tidleg|kjapt"
# "når regnes/anses/gjelder …", "når er … nok til …" ask under what condition, not at what time ("Når regnes
# opplysningene som anonyme?", "Når er en sak anonym nok til at …?")
_CONDITION_VERBS = r"regnes|reknast|rekna|regnet|anses|ansees|telles|tel|vurderes|definerast|defineres|gjelder|gjeld"
_ENOUGH = r"(?:er|blir|vert)\s+(?:\w+\s+){0,4}?(?:nok|tilstrekkelig)"  # "når er en sak anonym nok …"
_TIME_Q = re.compile(rf"^\W*(og\s+)?(når(?!\s+(?:{_CONDITION_VERBS})\b|\s+{_ENOUGH}\b)"
                     rf"|kva\s+tid)\b|\b(hvor|kor)\s+({_SOON})\b"
                     r"|\bhvilk(e|en|et)\s+(år|årstall|dato|dag|måned|tidspunkt)\b"
                     r"|\bkva\s+(år|dato|dag|månad|tidspunkt)\b", _Q)
# money by its verb ("hvor mye koster/betaler/tjener/bevilget …") or by its noun ("hvor mye penger/bostøtte/husleie …")
_MONEY_NOUNS = (r"penger|pengar|kroner|\w*lønn\w*|\w*tilskudd\w*|\w*tilskot\w*|\w*støtt[ea]\w*|\w*stønad\w*"
                r"|\w*sosialhjelp\w*|\w*leie\w*|\w*leige\w*|\w*trygd\w*|\w*pensjon\w*|\w*lån(et|a|ene)?")
_AMOUNT_Q = re.compile(r"\b(hvor|kor)\s+(mye|mykje)\s+(\w+\s+){0,4}?((kost|betal|tjen|tent|bevilg|løyv|utbetal)\w*"
                       rf"|{_MONEY_NOUNS})\b"
                       rf"|\b(hvor|kor)\s+(stor|stort|store|høy|høyt|høg|høgt)\s+((er|var|blir|ble)\s+)?((den|det|de)\s+)?"
                       rf"({_MONEY_NOUNS})\b"
                       r"|\b(hva|kva)\s+kost(er|et|a|ar)\b|\b(hvilke[nt]?|kva)\s+(beløp|sum|pris)\b"
                       r"|\b(hva|kva)\s+(er|var|blir)\s+(prisen|kostnaden|beløpet|summen)\b", _Q)
_COUNT_Q = re.compile(r"\b(hvor|kor)\s+mange\b", _Q)
# a measure named by its noun: "hva er svarprosenten", "kva var folketalet", "hva er den flytende renten", "hva er
# boutgiftstaket / inntektsgrensen / maksbeløpet" (a ceiling, a limit or a sum by a compound's head)
_MEASURE_NOUNS = (r"\w*(prosenten|andelen|renten|renta|taket|grensen|grensa|beløpet)"
                  r"|(folke|innbygger|innbyggjar)?tall?et|antallet|satsen"
                  r"|sats|rente|temperaturen|høyden|høgda|lengden|lengda|arealet|vekten|vekta|dybden|djupna")
_SHARE_Q = re.compile(r"\b(hvor|kor)\s+(stor|store|høy|høg)\s+(andel|del|prosent\w*)\b"
                      r"|\b(hvilke[nt]?|kva)\s+(andel|prosent\w*)\b|\b(hva|kva)\s+(er|var|blir|ble|vart)\s+(den\s+)?(\w+\s+)?"
                      r"(andelen|prosentandelen|prosentdelen)\b|\bi\s+prosent\W*$", _Q)
_QUANTITY_Q = re.compile(rf"\b(hvor|kor)\s+({_MEASURE_WORDS})\b"
                         rf"|\b(hva|kva)\s+(er|var|blir|ble|vart)\s+(den\s+|det\s+)?(\w+\s+){{0,2}}?({_MEASURE_NOUNS})\b", _Q)
# a limit asked by its word, in a sentence or a keyword query: "maks depositum?", "minste utbetaling bostøtte",
# "startlån nedbetalingstid maks" (read last: "hvem …", "hvor lenge … maks?" say what kind of value)
_LIMIT_Q = re.compile(r"\b(maks|maksimalt|maksimum|max|minimum|minste)\b", _Q)
# who holds a role: "hvem er næringsminister?", "kven var leiar for …", "hvem er administrerende direktør i …"
_ROLES = (r"\w*(direktør|leder|leiar|sjef|ordfører|ordførar|minister|statsråd|rektor|formann|forkvinne|styreleder"
          r"|styreleiar|president|sekretær|trener|trenar|redaktør|kaptein|biskop|dommer|dommar|ambassadør)\w*")
_PERSON_Q = re.compile(rf"^\W*(hvem|kven)\s+(er|var|blir|ble|vart)\s+(nå\s+|no\s+)?(den\s+|det\s+)?([\w-]+\s+){{0,3}}?{_ROLES}\b",
                       _Q)
# "hvem kan/får/skal/avgjør …" asks who a rule applies to or who is responsible: a class of people or a body, most
# often in lowercase ("personer over 18 år", "statsforvalteren", "kommunen"), not a name; so does "hvem er
# klageinstans/ansvarlig/tilsynsmyndighet …", which asks for the body a function belongs to ("Statsforvalteren er
# klageinstans": the body opens the sentence, where no capital tells a name)
_WHO_BY_RULE = (r"kan|skal|må|får|bør|avgjør|avgjer|bestemmer|betaler|dekker|gjelder|omfattes|omfattast"
                r"|har\s+(rett|krav|ansvar\w*|plikt\w*)"
                r"|(er|var|blir|ble|vart)\s+(den\s+|det\s+)?(\w*instans(en)?|\w*organ(et)?|\w*myndighet(en)?|\w*mynde"
                r"|ansvarl[ie]ge?|ansvarleg|part(en)?)")
_SMALL_NUMBERS = "to|tre|fire|fem|seks|sju|syv|åtte|ni|ti"  # "hvilke to kommuner …"
_NAME_Q = re.compile(rf"^\W*(hvem|kven)\b(?!\s+({_WHO_BY_RULE})\b)|\bhva\s+het(er|te)?\b|\bkva\s+heit(er|te)?\b"
                     rf"|\bhvilk(e|en|et)\s+((\d+|{_SMALL_NUMBERS})\s+)?(organisasjon|parti|firma|selskap|etat|departement|person|klubb|lag|avis"
                     rf"|bedrift|forening|band|film|bok)\w*\b(?!\s+({_WHO_BY_RULE})\b)", _Q)
# "hvilken kommune/etat skal/har ansvaret/kan …" asks, like "hvem skal …", whom a rule points to ("kommunen der
# personen oppholder seg", "oppholdskommunen"), not for a name
_PLACE_Q = re.compile(rf"^\W*(hvor|kor)\b(?!\s+({_MEASURE_WORDS}|{_SOON})\b)"
                      rf"|\bhvilke[nt]?\s+((\d+|{_SMALL_NUMBERS})\s+)?(sted|land|by|kommune|fylke|bydel|område)\w*\b"
                      rf"(?!\s+({_WHO_BY_RULE})\b)", _Q)
_QUESTIONS = ((AnswerType.DURATION, _DURATION_Q), (AnswerType.TIME, _TIME_Q), (AnswerType.AMOUNT, _AMOUNT_Q),
              (AnswerType.COUNT, _COUNT_Q), (AnswerType.SHARE, _SHARE_Q), (AnswerType.QUANTITY, _QUANTITY_Q),
              (AnswerType.PERSON, _PERSON_Q), (AnswerType.NAME, _NAME_Q), (AnswerType.PLACE, _PLACE_Q),
              (AnswerType.QUANTITY, _LIMIT_Q))

_END = r"(?![\wæøå])"  # a word ends here
_NUMBER_WORDS = (r"to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|elleve|tolv|tretten|fjorten|femten|seksten|sytten|atten"
                 r"|nitten|tjue|tretti|førti|femti|seksti|sytti|åtti|nitti|hundre|tusen|millioner|million|millionar"
                 r"|milliarder|milliard|milliardar|halvparten|dobbelt|tredjedel(?:er|ar)?|fjerdedel(?:er|ar)?")
# digits, with thousands in groups of three after a space ("5 000", "12 500 000") or a point, and decimals after a
# comma ("1,5")
_DIGITS = r"(?<!\d)(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)(?:,\d+)?|\d+(?:[.,]\d+)*)"
_NUMBER = rf"(?:{_DIGITS}|\b(?:{_NUMBER_WORDS}){_END})"
# a range whose last number carries the unit: "1–1,5 år", "3-5 uker", "10–20 prosent", "2 000–3 000 kroner"
_RANGED = rf"(?:{_DIGITS}\s*[-–]\s*)?{_NUMBER}"
# "one" and halves only count before a unit: "en måned", "ei veke", "eitt år", "halvannet år"
_ONE = r"\b(?:en|ei|ein|et|ett|eitt|halvt|halvannen|halvannet|halvanna)"
_MONTHS = r"januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember"
_WEEKDAYS = r"mandag|tirsdag|tysdag|onsdag|torsdag|fredag|lørdag|laurdag|søndag|sundag"
_TIME_UNIT = (r"(?:arbeids|virke|kalender|yrke|bank)?(?:døgn|dag(?:er|ar|ene|ane|s|ers|ars)?|uke(?:r|ne|s|rs)?"
              r"|veke(?:r|ne|s|rs)?|måned(?:er|ene|s|ers)?|månad(?:er|ar|ene|ane|s|ers|ars)?|mnd\.?|år(?:s|a|ene|et)?|tiår"
              r"|halvår|århundre(?:r|t|ne|a)?|kvartal(?:er)?|time(?:r|ne|s|rs)?|timar|minutt(?:er|ar)?|sekund(?:er|ar)?|helg(?:er|ar)?)")
_UNIT_PREFIX = r"(?:to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|tolv|femten|tjue|halv)"
# a counted word that is a compound of a time unit ("feriedagar", "soningsdøgn", "liggedøgn"): a number of them is a
# duration ("opptil 25 virkedager" answers "kor mange feriedagar")
_COUNTED_TIME = re.compile(rf"(?<![\wæøå])[\wæøå]{{3,}}?{_TIME_UNIT}{_END}", re.I)

# quantities without a number: "flere år", "noen uker", "titusener av år", "hundrevis av år"
_SOME = (r"\b(?:flere|fleire|mange|noen|nokre|få|et\s+par|eit\s+par|hundrevis|tusenvis|titusenvis|hundretusenvis"
         r"|hundrer|tusener|titusener|hundretusener|tusen)(?:\s+av)?")
_DURATION = re.compile(rf"(?:{_RANGED}|{_ONE}|{_SOME})(?:\s*[-–]\s*|\s+)(?:(?:hele|heile|fulle?)\s+)?{_TIME_UNIT}{_END}"
                       rf"|\b{_UNIT_PREFIX}-?(?:års|årig|måneders|månaders|ukers|vekers|dagers|døgns)\w*", _Q)
_DATE = re.compile(rf"(?:\b\d{{1,2}}\.\s*)?\b(?:{_MONTHS}){_END}(?:\s+(?:1[0-9]|20)\d\d{_END})?"
                   rf"|\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}}|\d{{2}}){_END}|\b(?:{_WEEKDAYS}){_END}", _Q)
_YEAR = r"(?<![\d.,])(?:1[0-9]|20)\d\d(?![\d]|[.,]\d)"
_YEAR_IN_CONTEXT = re.compile(
    rf"(?:\b(?:i|fra|frå|til|siden|sidan|innen|innan|før|etter|år|året|høsten|hausten|våren|sommeren|vinteren|per|pr\."
    rf"|medio|ultimo|primo|{_MONTHS})\s+|[(–-]\s*){_YEAR}|{_YEAR}(?=\s*[–-]\s*\d{{2,4}}{_END}|\))", _Q)
_CURRENCY = r"(?:kr\.?|kroner|kronor|NOK|euro|dollar|øre|,-)"
_MAGNITUDE = r"(?:mill\.?|mrd\.?|millioner|million|millionar|milliarder|milliard|milliardar)"
_MONEY = re.compile(rf"{_RANGED}\s*(?:{_MAGNITUDE}\s*)?{_CURRENCY}(?![\wæøå])|{_RANGED}\s*(?:mill\.?|mrd\.?)(?![\wæøå])"
                    rf"|\b(?:kr\.?|NOK)\s*{_DIGITS}|\bgratis\b"
                    # an amount in the national insurance's base amount: "2,041 ganger folketrygdens grunnbeløp", "2 G"
                    rf"|{_RANGED}\s*ganger\s+(?:folketrygdens\s+|folketrygda\s+sitt\s+)?grunnbeløp\w*|{_DIGITS}\s*G\b", _Q)
_MAGNITUDE_VALUE = re.compile(rf"{_RANGED}\s+(?:millioner|million|millionar|milliarder|milliard|milliardar){_END}", _Q)
# a share in words: "halvparten", "to tredeler", "en fjerdedel", "hver tredje", "flertallet"
_FRACTION = (r"\b(?:halvparten|halvdelen|flertallet|fleirtalet|mindretallet|majoriteten"
             r"|(?:en|ei|ein|to|tre|fire|fem)\s+(?:tre|tredje|fjerde|femte|sjette|tiende)del(?:er|ar|en|a)?"
             r"|hver\s+(?:andre|annen|tredje|fjerde|femte|tiende)|kvar\s+(?:andre|tredje|fjerde|femte|tiande))" + _END)
_SHARE = re.compile(rf"{_RANGED}\s*(?:%|prosent(?:poeng)?{_END}|promille{_END})|{_FRACTION}", _Q)
_PLAIN = re.compile(_NUMBER, _Q)
_TIME_WORD = re.compile(r"\b(vår(en)?|høst(en)?|haust(en)?|sommer(en)?|sommar(en)?|vinter(en)?|i fjor|i fjar|i år"
                        r"|nå|i dag|i går|i morgon|i morgen|neste år|til neste år|snart|straks|umiddelbart|snarest|omgående"
                        r"|sa?mme\s+dag(en)?|så\s+snart\s+som\s+(mulig|mogleg)|med\s+(en|ein)\s+gang"
                        r"|ut[ae]n\s+ugrunn\w*\s+opph[oa]ld)\b"
                        r"|\b\d{3,4}-tallet\b|\bkl\.?\s*\d{1,2}(?:[.:]\d\d)?", _Q)
_YEAR_SHAPED = re.compile(_YEAR)

# Numbers that cite a provision, a publication or a part of a document, or that label one of a series, not a value:
# "§ 24", "§§ 7-3 og 7-4", "nr. 6", "kapittel 9", "NOU 2011:15", "(rapport 2014:52)", "ISSN 1891-5981",
# "ISBN 978-82-…", "(Vedlegg 1)", "tabell 3", "figur 2", "side 12", "s. 35", "målgruppe 2", "fase 3", "trinn 1".
_LABELLED = (r"målgruppe|fase|trinn|steg|nivå|runde|delprosjekt|delmål|arbeidspakke|modul|alternativ|scenario"
             r"|innsatsområde|satsingsområde|tiltaksområde|tema")
_PROVISION = re.compile(r"(§§?|\b\w*nr\.|\bkap\.|\bkapittel|\bpkt\.|\bpunkt|\bbokstav|\bvedlegg|\bbilag|\btabell"
                        rf"|\bfigur|\bside|\bs\.|\b(?:{_LABELLED})(?=\s+\d))\s*\d+[\w-]*"
                        r"(\s*(,|og|eller|–|-)\s*\d+[\w-]*)*|\b(1[0-9]|20)\d\d:\d+\b|\b(ISSN|ISBN)[\s:]*[\dX-]+", re.I)
# An act or regulation cited by its date and number ("lov 16. juni 1939 nr. 6 om husleie", "forskrift 26. mars 2026
# nr. 506", "lov av 17. desember 1982"): the date names the act, it is no date the sentence tells.
_LEGAL_DATE = re.compile(rf"\b(?:lov|lova|loven|lovens|forskrift(?:a|en|ens)?|resolusjon)\s+(?:av\s+)?"
                         rf"\d{{1,2}}\.\s*(?:{_MONTHS}){_END}\s+(?:1[0-9]|20)\d\d(?:\s+nr\.\s*\d+)?", _Q)
# A footnote's own number opening it ("11 Husbanken ga støtte til …", at a report's page foot): a marker, not a
# value ("12 kommuner deltok" goes on in lowercase).
_FOOTNOTE = re.compile(r"^\s*\d{1,3}\s+(?=[A-ZÆØÅ])")
# A numbered list item's number ("2. Økt forebygging …", "3) Tiltak …"): it orders the items, it counts nothing.
_ENUMERATOR = re.compile(r"^\s*\d{1,2}[.)]\s+(?=[«\"]?[A-ZÆØÅ])")
# A person's name: two or more capitalized words in a row ("Kari Nordmann", "Torbjørn Røe Isaksen",
# "Emre Gjul-Jensrud"), wherever it stands; a role or a body named by one word ("Kongen", "Stortinget") is no person.
_NAME_WORD = r"[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ]?[a-zæøåéü]+)?"
_PERSON_VALUE = re.compile(rf"\b{_NAME_WORD}(?:\s+{_NAME_WORD})+")
_OPENERS = " \t«»\"'“”–—-•*("
# function words that may open a sentence (capitalized there, never a name)
_FUNCTION_WORDS = STOPWORDS | frozenset(
    "dersom derfor ifølge gjennom blant under likevel samtidig deretter dessuten særlig spesielt ellers mens medan "
    "innen utover også både alt etter ved for mot hos".split())
# A capitalized word that does not open the sentence (a name), or an acronym anywhere.
_NAME_VALUE = re.compile(r"(?<=[^.!?:\s]\s)[A-ZÆØÅ][\wÆØÅæøå-]+|\b[A-ZÆØÅ]{2,}\b")

# A question asking what an interest rate is ("hva er renta på startlån", "hvor høy er den flytende renten",
# "hvilken rente …"): a rate is a share ("4,2 prosent") in a sentence that names a rate. A difference of rates
# ("inntil 0,25 prosentpoeng" added to it) answers only a question about a change ("hvor mye kan kommunen plusse på
# renta", "hvor mye økte renten").
_RATE_NOUN = r"\w*(?<!fo)rent(?:e|a|en|er|ene)"  # "renta", "husbankrenten", "fastrente"; not "forente"
_INTEREST_Q = re.compile(rf"\b(?:hva|kva)\s+(?:er|var|blir|ble|vart)\s+(?:den\s+)?(?:[\w-]+\s+){{0,2}}?{_RATE_NOUN}\b"
                         rf"|\b(?:hvor|kor)\s+(?:høy|høg|stor)\s+(?:er|var|blir|ble|vart)\s+(?:den\s+)?(?:[\w-]+\s+){{0,2}}?"
                         rf"{_RATE_NOUN}\b|\b(?:hvilke[nt]?|kva)\s+(?:[\w-]+\s+)?{_RATE_NOUN}\b", _Q)
_NAMES_RATE = re.compile(rf"\b{_RATE_NOUN}\b", _Q)
_RATE_CHANGE_Q = re.compile(r"\b(?:plusse\w*|legge\w*\s+p[åa]|påslag\w*|tillegg\w*|øk(?:e|er|es|et|te|ning\w*)"
                            r"|auk(?:e|ar|a|ast|ing\w*)|stig\w*|steg|sank"
                            r"|synk\w*|fall\w*|falt|endr\w*|reduser\w*|differanse\w*|forskjell\w*)\b", _Q)
_POINTS = re.compile(r"prosentpoeng\b", _Q)

# the unit words a count question may ask for by name ("hvor mange prosent/kroner/år"), by value class
_ASKED_UNIT = {"share": re.compile(r"\b(prosent\w*|prosen|promille)\b|%", _Q),  # "prosen": a typo of "prosent"
               "money": re.compile(r"\b(kroner|kr|kronor|euro|dollar|øre|millioner|milliarder)\b", _Q),
               "duration": re.compile(rf"\b{_TIME_UNIT}{_END}", _Q)}
# The unit a question asks its value in, by name: "hvor mange/mye kroner", "… i kroner?", "hvor mange prosent",
# "… i prosent?", "hva var svarprosenten" (a noun in -prosent: a percentage). Then only a value in that unit answers
# ("redusert med 75 prosent" does not answer "hvor store var restansene i kroner"). A unit after a number ("over
# 5 000 kroner") names a value of the question, not the unit asked.
_IN_UNIT = {"money": re.compile(r"\b(?:hvor|kor)\s+(?:mange|mye|mykje)\s+(?:millioner\s+|milliarder\s+)?(?:kroner|kr)\b"
                                r"|\bi\s+(?:kroner|kr\.?|NOK)(?![\wæøå])", _Q),
            "share": re.compile(r"\b(?:hvor|kor)\s+mange\s+prosent|\bi\s+prosent\b|\b\w*prosent(?:en|a)\b", _Q)}
# the value classes that answer in each unit; a plain number answers in a share only when it counts nothing named
# ("Svarprosenten var 64.", not "de to møtene")
_UNIT_CLASSES = {"money": {"money", "magnitude"}, "share": {"share", "plain"}}
_SHARE_COUNTED = ("prosent",)
# a percentage asked by a compound noun ("svarprosenten", "deltakerprosenten"): what it is a percentage of is its
# first part, and the statement giving it says so ("64 prosent svarte"; "20 % av full arbeidstid" is another share)
_PERCENT_OF_Q = re.compile(r"\b([a-zæøå]{3,}?)-?prosent(?:en|a)\b", _Q)
# a duration asked by a compound noun in -tid after "hvor/kor lang(e)": "hvor lang saksbehandlingstid har …", "kor lang
# er oppseiingstida"; its first part names what takes the time
_TIME_OF_Q = re.compile(r"\b(?:hvor|kor)\s+lange?\s+(?:(?:er|var|blir|vert|ble|vart)\s+)?(?:den\s+|det\s+)?"
                        r"([a-zæøå]{3,}?)-?tid(?:a|en)?\b", _Q)
_SHARED_LETTERS = 6  # letters a statement's word shares with the compound's first part (fewer for a shorter part)
_STATEMENT_END = re.compile(r"[.;:!?•](?:\s|$)|\so\s")  # a sentence's or a list item's end (PDF bullets "o")
# "hvor mange av/i/blant …" with no noun counted: "hvor mange av kommunene", "hvor mange i undersøkelsen mente …" is
# answered by a count or by a share of them ("83 % av respondentene")
_PARTITIVE_COUNT_Q = re.compile(r"\b(?:hvor|kor)\s+mange\s+(?:av|i|blant)\b", _Q)
# "hvor mange X": plain numbers must count X ("seks kommuner" does not answer "hvor mange familier")
_COUNTED_Q = re.compile(r"\b(?:hvor|kor)\s+mange\s+(.*)", _Q)
# the words a share is asked by: "hvor stor andel", "kor stor del", "andelen" (the value's name, not its subject)
_SHARE_WORDS = re.compile(r"\b(?:hvor|kor)\s+(?:stor|store|høy|høg)\s+(?:andel|del)\b|\bandel(?:en)?\b", _Q)
_COUNTED_CLASSES = {"plain", "year-shaped"}
_WORD = re.compile(r"[\wæøåÆØÅ][\wæøåÆØÅ'’-]*")
_CLAUSE_END = re.compile(r"[.,;:!?()«»\"“”]|\s[–—]\s")
_MIN_HEAD = 3  # letters: a shorter stem is no compound's last part
_MIN_TYPO = 6  # letters: a shorter counted word one letter from a sentence's noun is another word ("boer", "bor")
_PARTITIVE = frozenset({"av", "blant"})
_QUALIFIERS = frozenset({"med", "uten", "utan"})  # "personer med rusavhengighet" counts the rusavhengige
_DETERMINERS = frozenset({"de", "dem", "dei", "disse", "desse", "våre", "sine", "hans", "hennes"})
# nouns that count people, any of them answers another ("hvor mange personer …" ← "44 mennesker")
_PEOPLE = frozenset("person personer personar mennesker menneske folk individer individ stykker innbyggere innbyggjarar "
                    "innbyggarar".split())
# people by their role: answer a count of people ("kor mange personar sit i nemnda" ← "tre medlemmer"), but one role
# does not answer another ("hvor mange deltakere" is not answered by "12 ansatte")
_PEOPLE_ROLES = frozenset("medlem medlemmer medlemar medlemmene representanter representantar deltakere deltakarar "
                          "deltakerne ansatte tilsette beboere bebuarar søkere søkjarar brukere brukarar leietakere "
                          "leigetakarar".split())
# a sentence naming the population counts people without a noun after the number ("Befolkningen var 688 109.")
_POPULATION = frozenset("befolkning befolkningen folketall folketallet innbyggertall innbyggertallet folkemengde "
                        "folkemengden folketal folketalet".split())
# "hvilket år", "kva år", "hvilket årstall": only a value holding a year answers (not a weekday or a month)
_YEAR_Q = re.compile(r"\b(hvilket|kva|kva\s+for\s+eit)\s+(år|årstall)\b", _Q)
# Rates: "per/pr./hver/kvar/om <unit>", "i <the unit, definite>" ("i måneden", not "i dag"/"i år", which are times),
# "/mnd", or an adverb ("månedlig", "årleg"); each unit word maps to its class.
_RATE_UNITS = {"month": r"måned(?:en)?|månad(?:en)?|mnd\.?|md\.", "year": r"år(?:et)?", "week": r"uke(?:n)?|uka|veke|veka",
               "day": r"dag(?:en)?|døgn(?:et)?", "hour": r"time(?:n)?", "area": r"kvm|kvadratmeter|m2|m²",
               "person": r"person(?:en)?|innbygg[ea]r(?:en)?|deltak[ea]r(?:en)?|hode"}
_RATE_ADVERBS = {"month": r"månedlig|månadleg", "year": r"årlig|årleg", "week": r"ukentlig|vekentleg",
                 "day": r"daglig|dagleg"}
_DEFINITE_UNIT = r"måneden|månaden|året|uka|uken|veka|døgnet|timen"
_DEFINITE_CLASS = {"måneden": "month", "månaden": "month", "året": "year", "uka": "week", "uken": "week",
                   "veka": "week", "døgnet": "day", "timen": "hour"}


def _rate_pattern(per: str) -> re.Pattern[str]:
    return re.compile("|".join(
        [rf"(?:\b(?:{per})\s+|/\s*)(?P<{k}>{v})(?![\wæøå])" for k, v in _RATE_UNITS.items()]
        + [rf"\b(?P<{k}_adv>{v})\b" for k, v in _RATE_ADVERBS.items()]
        + [rf"\bi\s+(?P<definite>{_DEFINITE_UNIT})\b"]), _Q)


# a value's rate may say "hver/kvar måned"; in a question "hver person", "hver gang" distribute, they ask no rate
_VALUE_RATE = _rate_pattern(r"per|pr\.?|hver|kvar|om")
_QUESTION_RATE = _rate_pattern(r"per|pr\.?")
_ASKED_RATES = frozenset({"month", "year", "week", "day", "hour", "area"})  # "per person" qualifies, asks no period
_RATE_AFTER_VALUE = 30  # characters after a value read for its rate ("5 000 kroner i måneden", "per kvm i Oslo")
_LEADING_CURRENCY = re.compile(r"^\s*(kroner|kr\.?|,-)?\s*")  # "7 000 kroner i måneden": the rate after the word


def _unit(match: re.Match[str]) -> str:
    name, value = next((k, v) for k, v in match.groupdict().items() if v)
    return _DEFINITE_CLASS[value.casefold()] if name == "definite" else name.removesuffix("_adv")


def value_words(question: str) -> list[str]:
    """The question's words that name the value asked, not its subject: its unit ("hvor mange kroner", "prosent",
    "år", "hvor stor andel") and the period or area it is asked per ("per måned", "i året")."""
    units = [m.group(0) for pattern in _ASKED_UNIT.values() for m in pattern.finditer(question)]
    units += [m.group(0) for m in _SHARE_WORDS.finditer(question)]
    return units + [m.group(0) for m in _QUESTION_RATE.finditer(question)]


@lru_cache(maxsize=1024)  # pure; asked once per sentence of a question's passages
def asked_rate(question: str) -> str | None:
    """The period or area a question asks a value per: "month" for "per måned", "i måneden", "månedlig", "/mnd";
    None if it asks for no rate."""
    return next((unit for m in _QUESTION_RATE.finditer(question) if (unit := _unit(m)) in _ASKED_RATES), None)


def _other_rate(value: re.Match[str], asked: str) -> bool:
    """Whether the value is given per another unit than the question's rate `asked`."""
    after = _CLAUSE_END.split(value.string[value.end():value.end() + _RATE_AFTER_VALUE], maxsplit=1)[0]
    match = _VALUE_RATE.match(_LEADING_CURRENCY.sub("", after))
    return match is not None and _unit(match) != asked


_CLASSES = (("date", _DATE), ("year", _YEAR_IN_CONTEXT), ("duration", _DURATION), ("money", _MONEY),
            ("share", _SHARE), ("magnitude", _MAGNITUDE_VALUE), ("time-word", _TIME_WORD))
# the value classes that answer each kind of question ("plain": a number of no other class)
_ACCEPTS = {AnswerType.DURATION: {"duration", "date", "year"},
            AnswerType.TIME: {"duration", "date", "year", "time-word", "year-shaped"},
            AnswerType.AMOUNT: {"money", "share", "magnitude"},
            AnswerType.COUNT: {"plain", "year-shaped", "magnitude"},
            AnswerType.SHARE: {"share", "plain"},
            AnswerType.QUANTITY: {"plain", "year-shaped", "magnitude", "money", "share", "duration"}}


_RATED = {AnswerType.AMOUNT, AnswerType.QUANTITY, AnswerType.COUNT, AnswerType.SHARE}  # kinds a rate can qualify


def asked_part(question: str) -> str:
    """What a question asks, without the situation told before it: its sentences that end in "?" ("Klienten postet
    klagen siste dagen av fristen. Er klagen for sen?" asks "Er klagen for sen?"), or all of it when none does."""
    asked = [sentence for sentence in _QUESTION_SENTENCES.split(question.strip()) if sentence.rstrip().endswith("?")]
    return " ".join(asked) if asked else question


def expected_answer_type(question: str) -> AnswerType | None:
    """The kind of value the question asks for (in its asked part, `asked_part`); None for questions about rules,
    reasons or yes/no."""
    asked = asked_part(question)
    for kind, pattern in _QUESTIONS:
        if pattern.search(asked):
            return kind
    return None


# A yes/no question ("Kan de få møblene tilbake …", "Har han rett til hjelp …") with the value asked in a clause
# joined to it by "og" ("…, og er det noen frist?", "…, og i så fall hvor mye?", "… og hvor lenge?")
_YES_NO = re.compile(r"^\W*(kan|må|har|skal|får|er|blir|gjelder|gjeld|bør|vil|trenger|treng|mister|mistar|finnes|finst"
                     r"|fins|ligger|ble|vart|var|hadde|fikk|fekk)\b", _Q)
_VALUE_CLAUSE = re.compile(r"(?:,\s*|\s+)og\s+(?:i\s+så\s+fall\s+|isåfall\s+|eventuelt\s+|evt\.?\s+)?"
                           r"(?=(?:hvor|kor|når|hvilke[nt]?|kva|hva|hvem|kven|er\s+det|finnes\s+det|fins\s+det|finst\s+det)\b)",
                           _Q)


# A question's sentences, and its sentences and clauses ("Nå lurer hun: hvor lang er fristen?")
_QUESTION_SENTENCES = re.compile(r"(?<=[.?!])\s+")
_QUESTION_CLAUSES = re.compile(r"(?<=[.?!:;])\s+")
# The present time in a question: "nå", "akkurat nå", "i dag", "for tiden", "per i dag", "i øyeblikket", "dagens …"
# (bokmål and nynorsk "no", "for tida")
_NOW = re.compile(r"\b(?:akkurat\s+)?(?:nå|no)\b(?!\s+(?:som|at|når|da)\b)|\b(?:per\s+)?i\s+dag\b|\bfor\s+tid(?:en|a)\b"
                  r"|\bi\s+øyeblikket\b|\bdagens\b", _Q)


# What the market offers today: the cheapest or best provider or deal ("billigst innboforsikring", "best rente på
# boliglån", "hvilken strømavtale er billigst"), where to buy or rent something ("hvor kan vi leie flyttebil"), or an
# office's opening hours. Laws, guidance and reports compare no providers and keep no opening hours.
_MARKET_OFFER = re.compile(
    r"\b(?:billigst|rimeligst|dyrest)\w*"
    r"|\b(?:best|beste|lavest|lavaste|lågast)\s+(?:rente|renta|pris|prisen|tilbud|tilbod|\w*avtale)\b"
    r"|\b(?:hvor|kor)\s+(?:kan|får|finner)\s+(?:jeg|vi|man|eg|me|ein|en|han|hun|ho|de|dei|brukeren|brukaren|klienten)\s+"
    r"(?:kjøpe|kjøpa|leie|leige|tak\s+i)\b"
    r"|\b(?:åpnings|opnings)tid\w*", _Q)


def asks_market_offer(question: str) -> bool:
    """Whether the question asks what the market offers today: the cheapest or best provider or deal, where to buy
    or rent something, or opening hours ("Hvilken bank gir best rente …?", "Hvor kan vi leie flyttebil billig?",
    "Hva er åpningstidene til NAV-kontoret …?")."""
    return _MARKET_OFFER.search(question) is not None


# a publication cited by its author and year: "Rambøll (2011)", "NOVA (2015: 3)"
_AUTHOR_YEAR = re.compile(r"[A-ZÆØÅ][\wæøå&.-]*\s*\(\s*(?:1[0-9]|20)\d\d\b[^)]*\)")


def asked_years(question: str) -> list[str]:
    """The years a question places what it asks in ("i 2019", "i november 2019", "fra 1. juni 2027", "2018–2020"), in
    order; a number that only looks like a year ("2019 kroner") is none, and neither is a cited publication's year
    ("Hva viste Rambøll (2011) …?")."""
    question = _AUTHOR_YEAR.sub(" ", question)
    return list(dict.fromkeys(year.group(0) for match in _YEAR_IN_CONTEXT.finditer(question)
                              if (year := _YEAR_SHAPED.search(match.group(0)))))


def asks_present_value(question: str) -> bool:
    """Whether the question asks what a value is now: a sentence of it asks for a value (`expected_answer_type`) and
    places it in the present ("Hva er renten på startlån akkurat nå?", "Hvor lang saksbehandlingstid har utvalget
    for tiden?", "Kor mykje er satsen no?"). A present time told in a sentence or clause of its own ("Nå kommer
    etterbetalingen. Kan kommunen kreve refusjon?", "Nå lurer hun: hvor lang er fristen?") asks nothing of it."""
    return any(_NOW.search(sentence) and expected_answer_type(sentence) is not None
               for sentence in _QUESTION_CLAUSES.split(question.strip()))


# "…, og kan frivillige søke?", "… – og hvor mye …?", "…, og (for) kor lang tid …?", "…, og får en deltaker på 23
# mindre?": "og" opening a clause that asks again, by a question word (after a preposition at most) or a yes/no verb
_ASKED_AFTER = r"(?:for|i|på|til|med|fra|frå|etter|innen|innan|om)"  # "og for kor lang tid …"
_ASKS_AGAIN = re.compile(rf"(?:,\s*|\s+[–—-]\s+|\s+)og\s+(?=(?:i\s+så\s+fall\s+)?(?:(?:{_ASKED_AFTER}\s+)?"
                         r"(?:hvor|kor|når|hvilke[nt]?|kva|hva|hvem|kven)|kan|må|har|skal|får|er|blir|bør|vil|gjelder|gjeld"
                         r"|mister|mistar|finnes|fins)\b)", _Q)


def question_parts(question: str) -> list[str]:
    """The questions a question asks, in order: its asked sentences (`asked_part`), each split where "og" opens a
    clause that asks again ("Er ansvarsgruppa lovpålagt, og kan den fatte vedtak?" → two parts)."""
    return [part.strip() for sentence in _QUESTION_SENTENCES.split(asked_part(question).strip())
            for part in _ASKS_AGAIN.split(sentence) if part.strip()]


def expected_answer_types(question: str) -> list[AnswerType]:
    """The kinds of value each part of the question asks for, in order, each once: "Kor mange medlemer sit i nemnda,
    og for kor lang tid blir dei oppnemnde?" asks for a count and a duration (`expected_answer_type` gives the
    first kind the whole question matches)."""
    kinds = [kind for part in question_parts(question) if (kind := expected_answer_type(part)) is not None]
    return list(dict.fromkeys(kinds)) or ([kind] if (kind := expected_answer_type(question)) else [])


def value_completes_yes_no(question: str) -> bool:
    """Whether the value is asked in a clause after a yes/no question ("Kan de få tilbake sengene uten å betale, og
    er det noen frist?"): the answer is the rule, and the value completes it; it is not all that was asked."""
    for sentence in _QUESTION_SENTENCES.split(question.strip()):
        clauses = list(_VALUE_CLAUSE.finditer(sentence))
        clause = clauses[-1] if clauses else None  # the last "og": the value clause ends the sentence
        if (clause is not None and _YES_NO.match(sentence) and expected_answer_type(sentence[:clause.start()]) is None
                and expected_answer_type(sentence[clause.end():]) is not None):
            return True
    return False


def values(text: str) -> Iterator[tuple[str, str]]:
    """(class, text) of each value the text holds: "date", "year" (in year context), "duration", "money", "share",
    "magnitude" ("1,2 millioner"), "time-word" (a season, "i fjor", "1800-tallet", "kl. 12"), then "year-shaped" (a
    number that could be a year) and "plain" (any other number); provision numbers ("§ 24", "nr. 6") and the date
    that names an act ("lov 16. juni 1939 nr. 6") are none. A span belongs to the first class that claims it."""
    for name, match in _value_matches(text):
        yield name, match.group(0)


def _value_matches(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """`values`, as matches in the text with provision numbers, footnote markers and list item numbers blanked out."""
    text = _ENUMERATOR.sub(" ", _FOOTNOTE.sub(" ", _PROVISION.sub(" ", _LEGAL_DATE.sub(" ", text))))
    taken: list[tuple[int, int]] = []

    def free(match: re.Match[str]) -> bool:
        return not any(match.start() < end and start < match.end() for start, end in taken)

    for name, pattern in _CLASSES:
        for match in pattern.finditer(text):
            if free(match):
                taken.append(match.span())
                yield name, match
    for match in _PLAIN.finditer(text):
        if free(match):
            yield ("year-shaped" if _YEAR_SHAPED.fullmatch(match.group(0)) else "plain"), match


@lru_cache(maxsize=4096)  # pure; asked for the word after every number of every sentence
def past_tense(word: str) -> bool:
    """Whether a word is the past tense of a verb, by its form and its lemma: weak "klarte", "søkte", "flyttet",
    "bodde" (the lemma and -te/-de/-et/-dde), strong "fikk", "deltok" (another lemma, and no noun's plural ending
    -r/-e). A plural noun ("kommuner", "tilfeller") is neither."""
    word = word.casefold()
    base = lemma(word)
    if base == word:
        return False
    weak = (word.endswith(("te", "de", "et")) and word[:-2] + "e" == base) or (word.endswith("dde") and word[:-3] == base)
    return weak or not word.endswith(("r", "e"))


# Verbs in the present tense that say what people do, bokmål and nynorsk: "hvor mange sitter i klagenemnda", "kor
# mange bur i kommunale bustader" (the present tense of most verbs looks like a noun's plural: "klarer", "kommuner")
_PEOPLE_VERBS = frozenset("sitter sit bor bur får mottar mottek klarer klarar deltar deltek søker søkjer jobber jobbar "
                          "arbeider arbeidar trenger treng mister mistar flytter flyttar venter ventar".split())
# "hvor mange av de som …", "kor mange av dei som …": whoever the clause describes
_OF_THOSE_WHO = re.compile(r"\b(?:hvor|kor)\s+mange\s+av\s+(?:de|dei|dem|disse|desse)\s+som\b", _Q)


@lru_cache(maxsize=1024)  # pure; asked once per sentence of a question's passages
def counts_people_by_verb(question: str) -> bool:
    """Whether a "hvor/kor mange …" question counts whoever does or did something: a verb right after "mange" ("hvor
    mange klarte ikke å beholde boligen", "kor mange fekk bustøtte", "hvor mange sitter i nemnda") or "av de som"
    ("kor mange av dei som får bustad, klarar å bli buande?"): people, counted by a number of them or a share."""
    if _OF_THOSE_WHO.search(question):
        return True
    match = _COUNTED_Q.search(question)
    words = _WORD.findall(match.group(1))[:1] if match else []
    return bool(words) and (past_tense(words[0]) or words[0].casefold() in _PEOPLE_VERBS)


@lru_cache(maxsize=1024)  # pure; asked once per sentence of a question's passages
def counted_words(question: str) -> tuple[str, ...]:
    """What a "hvor/kor mange …" question counts: the (at most two) words after "mange", up to the first function
    word ("hvor mange kommunale boliger har …" → kommunale, boliger; "hvor mange ble …" → none); people too when a
    verb follows "mange" (`counts_people_by_verb`: "hvor mange fikk avslag" → personer, fikk, avslag)."""
    match = _COUNTED_Q.search(question)
    if match is None:
        return ()
    words: list[str] = ["personer"] if counts_people_by_verb(question) else []
    for word in _WORD.findall(match.group(1))[:2]:
        if word.casefold() in STOPWORDS:
            break
        words.append(word)
    return tuple(words)


def _counted_nouns(number: re.Match[str]) -> list[str] | None:
    """The noun (and the word after it) a number counts: the words right after it ("seks kommuner", "ni ulike
    aktører", "fire av Husbankens kommuner", "60 meter"); people before a verb in the past tense ("44 fikk bolig");
    None when a function word or punctuation follows it ("var 44.", "redusert med 75."): it counts nothing named."""
    words = _WORD.findall(_CLAUSE_END.split(number.string[number.end():], maxsplit=1)[0][:80])
    i = 0
    if i < len(words) and words[i].casefold() in _PARTITIVE:  # "fire av (de) …"
        i += 1
        i += i < len(words) and words[i].casefold() in _DETERMINERS
    if i < len(words) and past_tense(words[i]):  # "44 fikk bolig": whoever did it, people
        return ["personer"]
    while i < len(words) - 1 and i < 4 and words[i][:1].isupper():  # names and genitives before the noun
        i += 1
    nouns = [w for w in words[i:i + 2] if w.casefold() not in STOPWORDS]
    if len(words) > i + 2 and words[i + 1].casefold() in _QUALIFIERS:  # "250 personer med rusavhengighet"
        nouns.append(words[i + 2])
    if not words[i:] or words[i].casefold() in STOPWORDS or not nouns:
        return None
    return nouns


def counts_other(number: re.Match[str], counted: tuple[str, ...]) -> bool:
    """Whether the number counts something other than `counted`: the noun right after it is none of the counted
    words, by the analyzer's stems and compound parts or a thesaurus synonym ("20 boliger" counts "bustader"; "44
    mennesker" counts "personer"; "fem småhus" counts "hus"). A number that counts nothing named does not."""
    nouns = _counted_nouns(number)
    return nouns is not None and not any(_same_thing(noun, counted) for noun in nouns)


def _count_unstated(number: re.Match[str], counted: tuple[str, ...]) -> bool:
    """Whether a number that counts nothing named ("… var 44.", "… redusert med 75.") stands in a sentence or list
    item that does not say what the question counts either: "Antallet boliger var 44." counts boliger, "Listen med
    ubehandlede søknader er redusert med 75." counts no utleieboliger."""
    return _counted_nouns(number) is None and not any(
        _same_thing(word, counted) for word in _WORD.findall(_statement(number)) if word.casefold() not in STOPWORDS)


@lru_cache(maxsize=1024)
def _counted_terms(counted: tuple[str, ...]) -> tuple[frozenset[str], Synonyms]:
    """The counted words' index tokens and thesaurus synonyms, analyzed once per question, not per number."""
    asked = " ".join(counted)
    return frozenset(analyze(asked)), synonyms(asked)


def _same_thing(noun: str, counted: tuple[str, ...]) -> bool:
    word = noun.casefold()
    if (word in _PEOPLE or word in _POPULATION or word in _PEOPLE_ROLES) and any(c.casefold() in _PEOPLE for c in counted):
        return True
    stems, counted_synonyms = _counted_terms(counted)
    if with_synonyms(set(analyze(word)), counted_synonyms) & stems:
        return True
    # a compound whose last part is the counted word, either way: "fem småhus" counts "sma hus", "20 boenheter"
    # counts "enheter", "to runder" counts "strafferunder"; the counted word typed with a letter dropped or added:
    # "13,9 diagnoser" counts "diagnser"
    return (any(word.endswith(stem) for stem in stems if len(stem) >= _MIN_HEAD)
            or any(word.endswith(c.casefold()) for c in counted if len(c) >= _MIN_HEAD)
            or any(c.casefold().endswith(stem) for c in counted for stem in analyze(word) if len(stem) >= _MIN_HEAD)
            or any(_letter_apart(word, c.casefold()) for c in counted))


def _letter_apart(a: str, b: str) -> bool:
    """Whether two words of at least `_MIN_TYPO` letters are one letter added or dropped apart ("diagnser",
    "diagnoser"): a typo, not another word (a substituted letter is not counted: "bustad", "bostad")."""
    return min(len(a), len(b)) >= _MIN_TYPO and b in one_letter_apart(a)


@lru_cache(maxsize=1024)  # pure; asked once per sentence of a question's passages
def _asked_interest(question: str) -> tuple[bool, bool]:
    """Whether the question asks what an interest rate is, and whether it asks about a change of one (then a markup
    in prosentpoeng answers it too)."""
    asks = _INTEREST_Q.search(question) is not None
    return asks, asks and _RATE_CHANGE_Q.search(question) is not None


def _statement(match: re.Match[str]) -> str:
    """The sentence or list item around a value (its text as matched)."""
    text = match.string
    starts = [m.end() for m in _STATEMENT_END.finditer(text, 0, match.start())]
    end = _STATEMENT_END.search(text, match.end())
    return text[starts[-1] if starts else 0:end.start() if end else len(text)]


@lru_cache(maxsize=1024)  # pure; asked once per sentence of a question's passages
def _percent_of(question: str) -> frozenset[str] | None:
    """The index terms of what a percentage asked by a compound noun is of ("svarprosenten" → "svar"), or None."""
    asked = _PERCENT_OF_Q.search(question)
    return frozenset(analyze(asked.group(1))) if asked else None


def _of_other(match: re.Match[str], percent_of: frozenset[str]) -> bool:
    """Whether the value is a percentage of something other than `percent_of` (`_percent_of`)."""
    return not percent_of & set(analyze(_statement(match)))


def _shares_stem(word: str, modifier: str) -> bool:
    """Whether a word and a compound's first part share a stretch of letters as long as the part less one, at most
    `_SHARED_LETTERS` ("behandles" and "saksbehandling" share "behand"; "saken" and "sakshandsaming" only "sak")."""
    need = min(_SHARED_LETTERS, len(modifier) - 1)
    word = word.casefold()
    return any(modifier[i:i + need] in word for i in range(len(modifier) - need + 1))


@lru_cache(maxsize=1024)  # pure; asked once per sentence of a question's passages
def _time_of(question: str) -> str | None:
    """The first part of a compound in -tid a duration is asked by ("hvor lang saksbehandlingstid" →
    "saksbehandling"), or None."""
    asked = _TIME_OF_Q.search(question)
    return asked.group(1).casefold().rstrip("s") if asked else None


def _time_of_other(match: re.Match[str], modifier: str) -> bool:
    """Whether a duration is the time of something other than what `modifier` (`_time_of`) names: "hvor lang
    saksbehandlingstid …" is not answered by "Klagefristen er tre uker, og klagen sendes …", in which nothing is
    dealt with, but by "Søknaden skal behandles innen tre uker"."""
    return not any(_shares_stem(word, modifier) for word in _WORD.findall(_statement(match)))


@lru_cache(maxsize=1024)
def asked_unit(question: str) -> str | None:
    """The unit the question asks its value in by name, "money" or "share" (`_IN_UNIT`); None when it names none, or
    both."""
    named = [unit for unit, pattern in _IN_UNIT.items() if pattern.search(question)]
    return named[0] if len(named) == 1 else None


def _accepted(kind: AnswerType, question: str) -> set[str]:
    if kind in _RATED and _asked_interest(question)[0]:  # an interest rate is a share
        return {"share"}
    accepted = set(_ACCEPTS[kind])
    if kind is AnswerType.COUNT:  # "hvor mange prosent/kroner/år": a number with the unit it counts; a time unit
        # only right after "mange" ("i dag", "per år" elsewhere in the question ask for no days or years)
        counted = " ".join(counted_words(question))
        accepted |= {name for name, unit in _ASKED_UNIT.items() if unit.search(counted if name == "duration" else question)}
        if _COUNTED_TIME.search(counted):  # "hvor mange feriedagar/soningsdøgn": days, counted as a duration
            accepted.add("duration")
        if _PARTITIVE_COUNT_Q.search(question) or counts_people_by_verb(question):
            accepted.add("share")
    unit = asked_unit(question) if kind in _RATED or kind is AnswerType.QUANTITY else None
    if unit and (in_unit := accepted & _UNIT_CLASSES[unit]):  # no class of the kind in that unit: the kind's own
        return in_unit
    return accepted


# "når kan/må/skal/bør/får/har …" asks under what condition as much as at what time ("Når kan NAV dele opplysninger
# uten samtykke?" is answered by "… når dette er nødvendig for …"; "Når må regnskapet være revidert?" by "… når
# tilskuddet er på mer enn 500 000 kroner")
_WHEN_MAY_Q = re.compile(r"\bnår\s+(?:kan|kunne|må|måtte|skal|skulle|bør|får|fær|har|hadde)\b", _Q)
_CONDITION = re.compile(r"\b(?:dersom|hvis|viss|når|med\s+mindre|forutsatt\s+at|så\s+lenge|i\s+tilfelle)\b", _Q)


def asks_condition_or_time(question: str) -> bool:
    """Whether the question's asked part is a "når" + modal question, which a condition answers as well as a time."""
    return _WHEN_MAY_Q.search(asked_part(question)) is not None


def states_condition(sentence: str) -> bool:
    """Whether the sentence states a condition ("dersom …", "når …", "med mindre …")."""
    return _CONDITION.search(sentence) is not None


def holds_value(kind: AnswerType, sentence: str, question: str = "") -> bool:
    """True when the sentence holds a value of that kind (see the module) that the question does not already name:
    "I 1999 ble hun kåret …" does not answer "Hvem ble i 1999 kåret …?"."""
    asked = question.casefold()
    if kind is AnswerType.PERSON:
        return any(not _named(name, asked) for name in _person_names(sentence))
    if kind in (AnswerType.NAME, AnswerType.PLACE):
        text = _PROVISION.sub(" ", sentence)
        return any(not _named(match.group(0), asked) for match in _NAME_VALUE.finditer(text))
    interest, change = _asked_interest(question) if kind in _RATED else (False, False)
    if interest and not _NAMES_RATE.search(sentence):
        return False
    accepted = _accepted(kind, question)
    counted = counted_words(question) if kind is AnswerType.COUNT else ()
    if not counted and "plain" in accepted and asked_unit(question) == "share" and kind in (*_RATED, AnswerType.QUANTITY):
        counted = _SHARE_COUNTED
    wants_year = kind is AnswerType.TIME and _YEAR_Q.search(question) is not None
    rate = asked_rate(question) if kind in _RATED else None
    percent_of = _percent_of(question)
    time_of = _time_of(question) if kind is AnswerType.DURATION else None
    return any(name in accepted and not _named(match.group(0), asked)
               and not (counted and name in _COUNTED_CLASSES
                        and (counts_other(match, counted) or _count_unstated(match, counted)))
               and not (wants_year and _YEAR_SHAPED.search(match.group(0)) is None)
               and not (rate and _other_rate(match, rate))
               and not (interest and not change and _POINTS.search(match.group(0)))
               and not (percent_of is not None and _of_other(match, percent_of))
               and not (time_of is not None and _time_of_other(match, time_of))
               # a bare number may be a share ("Av de spurte svarte 64."), but one before a noun counts it ("167
               # deltakere")
               and not (kind is AnswerType.SHARE and name == "plain" and _counted_nouns(match) is not None)
               for name, match in _value_matches(sentence))


def _person_names(sentence: str) -> Iterator[str]:
    """The persons' names of a sentence. A sentence's first word is capitalized by its position: a function word
    there ("Dersom Husbanken …", "Ifølge Husbanken …") is no part of a name."""
    for match in _PERSON_VALUE.finditer(sentence):
        words = match.group(0).split()
        if not sentence[:match.start()].strip(_OPENERS) and words[0].casefold() in _FUNCTION_WORDS:
            words = words[1:]
        if len(words) >= 2:
            yield " ".join(words)


def _named(value: str, asked: str) -> bool:
    """Whether the (casefolded) question names the value: a year by its digits ("fra 2011" is named by "i 2011"),
    any other value by its whole text, as words ("3" is not named by "2023")."""
    year = _YEAR_SHAPED.search(value)
    core = year.group(0) if year and _YEAR_IN_CONTEXT.fullmatch(value) else value.casefold()
    return re.search(rf"(?<![\wæøå]){re.escape(core)}(?![\wæøå])", asked) is not None
