"""Value kinds of questions and sentences (`text.answer_types`): a duration wants a number with a time unit or a
date, a count is not answered by a year or a share, an amount wants money; bokmål and nynorsk, both directions.
Sentences and questions written for these tests."""

from __future__ import annotations

import pytest

from boligassistent.text.answer_types import (
    AnswerType,
    asked_part,
    asked_years,
    asks_market_offer,
    asks_present_value,
    expected_answer_type,
    expected_answer_types,
    holds_value,
    past_tense,
    question_parts,
    value_words,
    values,
)

pytestmark = pytest.mark.unit

D, T, A, C, Q = AnswerType.DURATION, AnswerType.TIME, AnswerType.AMOUNT, AnswerType.COUNT, AnswerType.QUANTITY
S = AnswerType.SHARE
P = AnswerType.PERSON


@pytest.mark.parametrize(("question", "kind"), [
    ("Hvor lang tid tar det å få svar på en søknad?", D), ("Kor lang tid tek det å få svar?", D),
    ("Hvor lenge gjelder vedtaket?", D), ("Kor lenge varer tilskotet?", D), ("Hva er klagefristen?", D),
    ("Kva er fristen for å klage?", D), ("Hvor lang er oppsigelsestiden?", D), ("Kor lang er butida?", D),
    ("Når trådte loven i kraft?", T), ("Kva tid tok lova til å gjelde?", T), ("I hvilket år kom loven?", T),
    ("Hvor mye koster en søknad?", A), ("Hva kostet systemet?", A), ("Kor mykje kostar det å søkje?", A),
    ("Hvilket beløp kan man få?", A),
    ("Hvor mange boliger eier kommunen?", C), ("Kor mange bustader eig kommunen?", C),
    ("Hvor mye får man i bostøtte?", A), ("Kor mykje får kommunen i integreringstilskot?", A),
    ("Hvor mye startlån kan vi gi?", A), ("Kor mykje pengar løyvde banken?", A), ("Hvor mye husleie kan kreves?", A),
    ("Hvor stort tilskudd fikk prosjektet?", A), ("Hvor høy er husleien?", A), ("Kor stor er bustøtta?", A),
    ("Hvor store er boligene?", Q), ("Hvor stor andel av husleien dekkes?", S),
    ("Hvor stor andel får avslag?", S), ("Kor stor del av søkjarane får avslag?", S), ("Hva er andelen som eier?", S),
    ("Hvilken prosentandel fikk tilbud?", S), ("Hvor mye snø falt i fjor?", Q), ("Hvor lang er brua?", Q),
    ("Hva var svarprosenten i undersøkelsen?", Q), ("Hva er den flytende renten på lånet?", Q),
    ("Hva er boutgiftstaket for en enslig?", Q), ("Hva er aldersgrensen for bostøtte?", Q),  # a compound's head
    ("Kva er folketalet i kommunen?", Q), ("Hva er høyden på fjellet?", Q), ("Hva utgjør tilskuddet i prosent?", S),
    ("Hva er hospitalet?", None), ("Hva var 1800-tallet preget av?", None), ("Hva er rentesystemet?", None),
    ("Hva var innsatsen til kommunen?", None), ("Hva er metallet laget av?", None),
    ("Hvor ligger kontoret?", AnswerType.PLACE), ("Hva skjer når leien ikke betales?", None),
    ("Kan en student få bostøtte?", None),
    ("Hvem er administrerende direktør i banken nå?", P), ("Kven var leiar for laget i fjor?", P),
    ("Hvem er arbeids- og velferdsdirektør?", P), ("Hvem er næringsminister?", P),
    ("Hvem fatter vedtaket?", AnswerType.NAME), ("Hva er statens veiledende sats for stønad nå?", Q),
    ("Kva er den faste renta på lånet?", Q),
    # who a rule applies to, or who is responsible: a class of people or a body, most often in lowercase
    ("Hvem får bostøtte?", None), ("Hvem kan få økonomisk rådgivning?", None), ("Hvem avgjør klagen?", None),
    ("Kven har rett på bustøtte?", None), ("Hvem vant kampen?", AnswerType.NAME),
    ("Hvem har skrevet boka?", AnswerType.NAME),
    # the body a function belongs to, not a name
    ("Hvem er klageinstans hvis kommunen avslår?", None), ("Kven er ansvarleg for tilbodet?", None),
    ("Hvem er tilsynsmyndighet for tjenesten?", None), ("Hvem er den ansvarlige kommunen?", None),
    # which kommune or body a rule points to ("oppholdskommunen"), not a named place
    ("Hvilken kommune skal gi bistand etter loven?", None), ("Hvilken kommune har ansvaret for tilbudet?", None),
    ("Hvilken etat kan gi lånet?", None), ("Hvilken kommune fikk mest tilskudd?", AnswerType.PLACE),
    # "how soon" asks for a time, not a place
    ("Kor fort skal saka avgjerast?", T), ("Må søknaden være skriftlig, og hvor raskt skal den behandles?", T),
    ("Hvor snart kan vi flytte inn?", T), ("Hvor bor hun?", AnswerType.PLACE),
    # a name asked in the past tense, or with a number before the kind of name
    ("Hva het prosjektlederen i kommunen?", AnswerType.NAME), ("Kva heitte prosjektet?", AnswerType.NAME),
    ("Hva het forbundet som kjempet der?", AnswerType.NAME), ("Hvilke to kommuner prøvde metoden?", AnswerType.PLACE),
    ("Hvilke 3 organisasjoner står bak?", AnswerType.NAME), ("Hva heter kommunen?", AnswerType.NAME),
    # a limit asked by its word, also in a keyword query; another question word says the kind first
    ("maks depositum?", AnswerType.QUANTITY), ("minste utbetaling bostøtte per mnd", AnswerType.QUANTITY),
    ("Kva er maksimalt beløp?", AnswerType.QUANTITY), ("hvor lenge kan en bruker bo på hospits maks?", AnswerType.DURATION),
    ("Hvem har maks ansvar?", AnswerType.NAME), ("Hvem har høyeste stilling?", AnswerType.NAME),
    ("depositum og garanti", None),
])
def test_the_kind_of_value_a_question_asks_for(question, kind):
    assert expected_answer_type(question) == kind


@pytest.mark.parametrize(("kind", "question", "sentence"), [
    (D, "Hvor lang er klagefristen?", "Klagefristen er tre uker."),
    (D, "Kva er fristen?", "Fristen er ein månad frå vedtaket."),
    (D, "Hvor lang tid tar behandlingen?", "Behandlingen tar normalt 6 måneder."),
    (D, "Hvor lang tid tar behandlingen?", "Behandlingen tar et halvt år."),
    (D, "Kor lenge varer ordninga?", "Ordninga varer i to veker."),
    (D, "Hvor lenge vil effektene vare?", "Effektene vil vare i titusener av år."),
    (D, "Hva er fristen for å søke?", "Søknaden må være kommet inn innen 1. mars."),
    (D, "Hvor lenge varte prosjektet?", "Prosjektet varte fra 2011 til 2014."),
    (D, "Hvor lang er oppsigelsestiden?", "Det gjelder en tre måneders oppsigelsestid."),
    (Q, "Hva var svarprosenten i undersøkelsen?", "Svarprosenten var 64."),
    (Q, "Hva er den flytende renten?", "Renten er 4,2 prosent."),
    (S, "Hvor stor andel fikk avslag?", "Hele 37 prosent fikk avslag."),
    (S, "Hvilken andel svarte?", "Av de spurte svarte 64."),
    (S, "Hvor stor andel av barna er underernærte?", "Halvparten av barna er underernærte."),  # a share in words
    (S, "Hvor stor andel bodde i leiegård?", "Minst to tredeler av befolkningen bodde i leiegård."),
    (S, "Hvor stor del av søkerne fikk avslag?", "Hver tredje søker fikk avslag."),
    (C, "Hvor mange boliger eier kommunen?", "Kommunen eier 3 325 boliger."),
    (C, "Kor mange bustader eig kommunen?", "Kommunen eig tolv bustader."),
    (C, "Hvor mange ganger er låtene spilt?", "Låtene er spilt over 5 milliarder ganger."),
    (C, "Hvor mange prosent fikk avslag?", "Fem prosent fikk avslag."),
    (C, "Hvor mange søkere var det i 2023?", "Det var 3 søkere."),  # "3" is not named by "2023"
    (A, "Hvor mye koster det?", "Det kostet 12 mill. kroner."),
    (A, "Hva koster gebyret?", "Gebyret er kr 300."),
    (A, "Kor mykje kostar det?", "Eigendelen er 10 prosent."),
    (A, "Hva koster kurset?", "Kurset er gratis."),
    (T, "Når trådte loven i kraft?", "Loven trådte i kraft 1. januar 2024."),
    (T, "Når kom loven?", "Loven kom i 1999."),
    (T, "Kva tid kom lova?", "Lova kom i fjor."),
    (T, "Når skal programmet starte?", "Programmet skal starte nå."),
    (A, "Hva koster gebyret?", "Gebyret er 5 000 kroner."),  # thousands grouped by a space
    (S, "Hvor stor andel fikk avslag?", "Mellom 10–20 prosent fikk avslag."),
    (T, "Hvor fort skal søknaden behandles?", "Søknaden skal behandles samme dag."),
    (T, "Kor fort skal busituasjonen kartleggjast?", "Den skal avklares så snart som mulig, helst innen en uke."),
    (T, "Hvor raskt skal klagen avgjøres?", "Klagen skal avgjøres uten ugrunnet opphold."),
    (P, "Hvem er direktør i banken?", "Banken ledes av direktør Kari Nordmann."),
    (P, "Kven er leiar for utvalet?", "Torbjørn Røe Isaksen leiar utvalet."),
    (P, "Hvem er leder i banken?", "Ifølge styret er Kari Nordmann leder i banken."),
    (P, "Hvem er styreleder i foreningen?", "– Vi er glade, sier styreleder Emre Gjul-Jensrud."),
])
def test_a_sentence_holding_the_value_answers(kind, question, sentence):
    assert expected_answer_type(question) == kind and holds_value(kind, sentence, question)


@pytest.mark.parametrize(("kind", "question", "sentence"), [
    (D, "Hvor lang tid tar det å få svar?", "Det kreves fem prosent egenkapital."),
    (D, "Kor lenge varer det?", "Kommunen har 300 bustader."),
    (D, "Hva er fristen?", "Lånet er på 2 millioner kroner."),
    (D, "Hva er fristen?", "Det følger av § 5-3 annet ledd."),
    (C, "Hvor mange boliger har kommunen?", "Drammen (fra 2011) og Trondheim (fra 2009) har gode erfaringer."),
    (C, "Kor mange bustader har kommunen?", "Ordninga har vore i bruk sidan 2009."),
    (C, "Hvor mange boliger har kommunen?", "Andelen som eier er fem prosent."),
    (C, "Hvor mange boliger har kommunen?", "Dette er omtalt i NOU 2011:15."),
    (C, "Hvor mange år varer ordningen?", "Rundskrivet til loven (Hovednr. 35) gjelder foran denne teksten."),
    (A, "Hvor stort tilskudd fikk boligbyggelaget?", "Laget bygde et kompleks med 39 leiligheter."),
    (D, "Hvor lang saksbehandlingstid har nemnda?", "Nemnda behandler tvister etter lov 16. juni 1939 nr. 6 om husleie."),
    (D, "Hvor lenge varer vedtaket?", "Se forskrift av 26. mars 2026 om tilskudd."),
    (C, "Hvor mange boliger har kommunen?", "Rapport oktober 2014 ISSN 1891-5981 ISBN 978-82-7830-123-4"),
    (P, "Kven er leiar for klagenemnda?", "Dersom Husbanken ikkje treffer vedtak, skal parten ha melding."),
    (C, "Hvor mange boliger har kommunen?", "Ordningen gjelder fra 1. mai."),
    (A, "Hva kostet systemet?", "Systemet ble tatt i bruk i 2019."),
    (A, "Hvor mye koster ordningen?", "Ordningen har 200 brukere."),
    (T, "Når kom loven?", "Det kreves fem prosent egenkapital."),
    (S, "Hvor stor andel bodde fortsatt i boligen?", "Rapporten viste 167 deltakere i ti prosjekter."),  # a count
    (T, "Når kom loven?", "Kommunen har 300 boliger."),
    (T, "Hvor fort skal søknaden behandles?", "Søknaden skal behandles av kommunen."),
    (T, "Når ble hun kåret i 1999?", "I 1999 ble hun kåret."),  # a value the question names
    (A, "Kor mykje får kommunen i tilskot?", "Tilskotet skal dekke utgiftene i fem år."),  # money, not a duration
    (C, "Hvor mange familier fikk bolig?", "11 Husbanken ga støtte til prosjektet."),  # a footnote's own number
    (S, "Hvor stor andel hadde bolig ved løslatelse?", "Fra 1. september 2021 kom et tre-årig forsøk."),
    (S, "Hvor stor andel fikk avslag?", "Tilskuddet var 5000 kroner i 2011."),
    (A, "Hvor mye penger ble bevilget?", "Se spørreundersøkelsen (Vedlegg 1) og tabell 3 på s. 35."),
    (Q, "Hvor stor er andelen i 2011?", "Andelen økte fra 2011."),
    (C, "Hvor mange bostedsløse hadde kommunen?", "Status 1–1,5 år etter oppstart i kommunene."),  # a range
    (S, "Hvor stor andel fikk avslag?", "Avslaget kom 5 000 dager etter søknaden."),  # "5 000" is one number
    (P, "Hvem er administrerende direktør i banken nå?",
     "Banken vert leidd av ein administrerande direktør som vert tilsett av Kongen i statsråd."),  # a role, no person
    (P, "Hvem er leder for Extinction Rebellion?", "Extinction Rebellion har fått ny leder."),  # named by the question
])
def test_a_sentence_with_another_kind_of_value_does_not(kind, question, sentence):
    assert expected_answer_type(question) == kind and not holds_value(kind, sentence, question)


def test_values_are_classified_by_their_form():
    assert list(values("Drammen (fra 2011) og kr 300 for tre uker, fem prosent av 1,2 millioner etter § 7; i alt 24.")) == [
        ("year", "fra 2011"), ("duration", "tre uker"), ("money", "kr 300"), ("share", "fem prosent"),
        ("magnitude", "1,2 millioner"), ("plain", "24")]


def test_a_range_takes_the_class_of_its_last_number_and_spaced_thousands_are_one_number():
    assert list(values("Det tar 3–5 uker og koster 2 000–3 000 kr; 10-20 prosent, 12 500 innbyggere.")) == [
        ("duration", "3–5 uker"), ("money", "2 000–3 000 kr"), ("share", "10-20 prosent"), ("plain", "12 500")]
    assert list(values("I 2011 fikk 200 familier hjelp.")) == [("year", "I 2011"), ("plain", "200")]


# "hvor mange X": a plain number must count X. Sentences written for the test, in the forms reports and news use.
@pytest.mark.parametrize(("question", "sentence"), [
    ("Hvor mange arbeidere kan bli tatt ut i streik?", "Da vil nærmere 23.000 arbeidstakere streike."),  # compound
    ("Hvor mange personer var om bord?", "I alt 44 mennesker var om bord."),  # people, by another noun
    ("Hvor mange innbyggere hadde kommunen i 2001?", "Befolkningen var i 2001 688 109."),  # no noun after it
    ("Hvor mange spillere mistet livet?", "23 mennesker, blant dem åtte Manchester United-spillere, døde."),
    ("Kor mange deltok på temadagen?", "Over 200 deltakarar frå ulike sektorar møttest."),  # verb ~ noun
    ("Kor mange bustader vart kjøpte?", "Kommunen har i etterkant kjøpt 20 boliger."),  # nynorsk = bokmål
    ("Hvor mange ble evakuert?", "Rundt 40 personer ble evakuert."),  # the question names no noun
    ("Hvor mange ganger har hun vunnet?", "Hun har vunnet to ganger."),
    ("Hvor mange fikk avslag?", "Av de 120 søkerne fikk 35 avslag."),
    ("Hvor mange sma hus ble bygget?", "Det ble bygget fem småhus på kommunal tomt."),  # compound, typed without å
    ("Hvor mange utleieboliger har kommunen?", "Antallet kommunale utleieboliger var 44."),  # named in the sentence
    # a verb after "mange" counts whoever did it: people, by a number of them or a share
    ("Hvor mange klarte ikke å beholde boligen?", "Av 250 leietakere klarte 30 prosent ikke å beholde den."),
    ("Hvor mange flyttet ut igjen?", "I alt 12 personer flyttet ut igjen innen ett år."),
    ("Kor mange hus vart bygde?", "Kommunen bygde åtte frittstående boliger."),  # a house is a dwelling (thesaurus)
    ("Kor mange personar sit i nemnda?", "Nemnda skal setjast saman av tre medlemmer."),  # people by their role
    ("Kor mange fekk bustøtte?", "Rundt 44 fekk bustøtte i fjor."),  # a number before a verb counts people too
    ("Hvor mange sitter i klagenemnda?", "Klagenemnda skal settes sammen av tre medlemmer."),  # present tense
    ("Kor mange av dei som får bustad, klarar å bli buande?", "Om lag 85 prosent blir boende."),  # "av dei som"
    ("Hvor mange diagnser har de i snitt?", "De har i snitt 13,9 diagnoser."),  # the counted word with a typo
    ("Hvor mange enheter planla de?", "20 boenheter med heldøgns bemanning er under planlegging."),  # compound's end
])
def test_a_count_of_what_the_question_counts_answers(question, sentence):
    assert holds_value(AnswerType.COUNT, sentence, question)


@pytest.mark.parametrize(("question", "sentence"), [
    ("Hvor mange familier fikk hjelp i prosjektet?", "Nettverket fikk med seg seks kommuner: Namsos og Verdal."),
    ("Hvor mange kamper ble han utestengt?", "Han ble utvist sammen med to andre spillere."),
    ("Hvor mange kommunale boliger har kommunen?", "Fire av Husbankens satsingskommuner deltok."),
    ("Hvor mange mennesker omkom i uværet?", "Vinden nådde opptil 60 meter per sekund."),  # a measure, not a count
    ("Hvor mange ansatte har helseforetaket?", "Regionen er organisert i seks helseforetak."),
    ("Hvor mange fikk bolig gjennom prosjektet?", "Kartleggingen omfattet prosjekter i tolv kommuner."),  # not people
    ("Hvor mange kommuner søkte om tilskudd?", "I alt 44 søkte om tilskudd."),  # people, not kommuner
    ("Hvor mange deltakere var med?", "Prosjektet hadde 12 ansatte."),  # one role is not another
    ("Hvor mange boer var det?", "Det var 12 bor."),  # a short word a letter off is another word
    ("Kor mange av dei som får bustad, klarar å bli buande?", "To kommuner har prøvd metodikken."),  # not people
    # a number that counts nothing named, in a sentence that does not say what is counted either
    ("Hvor mange utleieboliger hadde kommunen?", "Listen med ubehandlede søknader er redusert med 75."),
])
def test_a_count_of_something_else_does_not(question, sentence):
    assert not holds_value(AnswerType.COUNT, sentence, question)


@pytest.mark.parametrize(("word", "past"), [
    ("klarte", True), ("søkte", True), ("flyttet", True), ("bodde", True), ("fikk", True), ("deltok", True),
    ("kommuner", False), ("tilfeller", False), ("år", False), ("personer", False), ("leietakere", False),
])
def test_past_tense_by_form_and_lemma(word, past):
    assert past_tense(word) is past


def test_the_number_of_a_list_item_counts_nothing():
    question = "Hvor mange bostedsløse hadde kommunen?"
    assert not holds_value(AnswerType.COUNT, "2. Økt forebygging og bekjempelse av bostedsløshet", question)
    assert not holds_value(AnswerType.COUNT, "3) Bostedsløse skal få bolig raskt.", question)
    assert holds_value(AnswerType.COUNT, "2. Kommunen hadde 41 bostedsløse i 2011.", question)
    assert holds_value(AnswerType.TIME, "Fristen er 1. juli.", "Når er fristen?")  # a date, not a list item


def test_a_number_labelling_one_of_a_series_counts_nothing():
    question = "Hvor mange lavinntekts barnefamilier bor i kommunen?"
    assert not holds_value(AnswerType.COUNT, "For målgruppe 2 – lavinntekts barnefamilier er det ingen tiltak.", question)
    assert not holds_value(AnswerType.COUNT, "I fase 3 barnefamilier ble det kartlagt nye behov.", question)
    assert holds_value(AnswerType.COUNT, "I målgruppen bor 41 lavinntekts barnefamilier.", question)
    assert holds_value(AnswerType.COUNT, "Kommunen deltok i fase 2, der 41 barnefamilier fikk bolig.", question)


def test_an_interest_rate_is_a_share_in_a_sentence_naming_a_rate_and_a_markup_only_answers_a_change():
    question = "Hva er renta på startlån fra Husbanken nå?"
    assert holds_value(AnswerType.QUANTITY, "Den flytende renten er 4,2 prosent.", question)
    assert not holds_value(AnswerType.QUANTITY, "Kommunen kan påplusse husbankrenten inntil 0,25 prosentpoeng.", question)
    assert not holds_value(AnswerType.QUANTITY, "Det kreves fem prosent egenkapital.", question)  # names no rate
    assert not holds_value(AnswerType.QUANTITY, "Rimelig rente og inntil 20 års fastrente.", question)  # no share
    change = "Hvor mye kan kommunen plusse på husbankrenten?"
    assert holds_value(AnswerType.QUANTITY, "Kommunen kan påplusse husbankrenten inntil 0,25 prosentpoeng.", change)
    assert not holds_value(AnswerType.QUANTITY, "Renten økte med 0,5 prosentpoeng.", "Hva er renta for økonomisk rådgivning?")
    assert holds_value(AnswerType.QUANTITY, "Renten økte med 0,5 prosentpoeng.", "Hvor mye økte renten i fjor?")
    # a question that only mentions a rate asks for its own kind of value
    assert holds_value(AnswerType.AMOUNT, "Renter og avdrag utgjør 6 000 kroner i måneden.",
                       "Hvor mye må hun betale i renter og avdrag?")


def test_which_year_is_answered_by_a_year_not_a_weekday():
    question = "Hvilket år ble hun født?"
    assert not holds_value(AnswerType.TIME, "Mandag signerte hun en ny kontrakt.", question)
    assert holds_value(AnswerType.TIME, "Hun ble født 4. mai 1990 i Molde.", question)
    assert holds_value(AnswerType.TIME, "Når ble hun født? Mandag.", "Når ble hun født?")  # any time answers "når"


def test_a_count_question_asks_for_the_unit_it_names_after_mange_only():
    assert holds_value(AnswerType.COUNT, "Han må ha bodd her i minst seks år.", "Hvor mange år må han ha bodd her?")
    assert holds_value(AnswerType.COUNT, "Gebyret er 1 300 kroner.", "Hvor mange kroner er gebyret?")
    # a compound of a time unit counts days, weeks …: a number of them answers as a duration
    assert holds_value(AnswerType.COUNT, "Det skal fastsettes ferie i opptil 25 virkedager for alle deltakere.",
                       "Kor mange feriedagar har ein deltakar krav på?")
    assert holds_value(AnswerType.COUNT, "Oppholdet varte i tolv døgn.", "Hvor mange liggedøgn ble det?")
    assert not holds_value(AnswerType.COUNT, "Oppholdet varte i tolv døgn.", "Hvor mange pasienter ble liggende?")
    # "i dag" names no unit: a duration does not answer how many homes there are
    assert not holds_value(AnswerType.COUNT, "Det har vært fokus på bolig i mange år.",
                           "Hvor mange kommunale boliger har kommunen i dag?")
    # a share answers "how many of them" wherever the question says "prosent"
    assert holds_value(AnswerType.COUNT, "Hele 83 % av respondentene svarte ja.",
                       "Hvor mange i undersøkelsen mente at 85 prosent belåning var for mye?")
    # "hvor mange av/i …" counts among a group: a share of them answers too
    assert holds_value(AnswerType.COUNT, "Hele 97 % oppgir at ordningen er svært viktig.",
                       "Hvor mange i undersøkelsen mente at ordningen er viktig?")
    assert holds_value(AnswerType.COUNT, "To av tre kommuner har en plan.", "Hvor mange av kommunene har en plan?")


@pytest.mark.parametrize(("question", "sentence", "answers"), [
    ("Hvor store var restansene i kroner før prosjektet?", "Restansene er redusert med 75 prosent.", False),
    ("Hvor store var restansene i kroner før prosjektet?", "Restansene var på 1,2 millioner kroner.", True),
    ("Hvor mange kroner fikk instituttet i tilskudd?", "Arbeidet gikk fram til årsskiftet 2016/2017.", False),
    ("Hvor mange kroner fikk instituttet i tilskudd?", "Instituttet fikk 400 000 kroner.", True),
    ("Kor mykje auka husleiga i prosent?", "Husleiga auka med 800 kroner.", False),
    ("Kor mykje auka husleiga i prosent?", "Husleiga auka med 4 prosent.", True),
    ("Hva var svarprosenten i kommunen?", "Rådmannen deltok på de to møtene.", False),
    ("Hva var svarprosenten i kommunen?", "Svarprosenten var 64 prosent.", True),
    # a percentage asked by its compound noun is one of what its first part says
    ("Hva var svarprosenten i kommunen?", "Prosjektlederen fikk frigitt 20 % av full arbeidstid.", False),
    ("Hva var svarprosenten i kommunen?", "Hele 64 prosent av de spurte svarte.", True),
    # a unit after a number names a value of the question, not the unit asked
    ("Hvor stor er husleien for en bolig over 50 kvm som koster 3 000 kroner?", "Husleien er 12 prosent høyere.", True),
])
def test_a_value_asked_in_a_unit_is_answered_in_that_unit(question, sentence, answers):
    kind = expected_answer_type(question)
    assert kind is not None and holds_value(kind, sentence, question) is answers


@pytest.mark.parametrize(("question", "sentence", "answers"), [
    ("Hva er satsen for en enslig per måned?", "Satsen er 21 200 kroner per kvm i Oslo.", False),
    ("Hvor mye bostøtte får man i måneden?", "Man kan få 84 000 kroner årlig.", False),
    ("Kor mykje får ein per år?", "Ein får 7 000 kroner kvar månad.", False),
    ("Hva er satsen for en enslig per måned?", "Satsen er 7 000 kroner i måneden.", True),
    ("Hva er satsen for en enslig per måned?", "Leien er 8 000 kr/mnd.", True),
    ("Hva er satsen for en enslig per måned?", "Satsen er 7 000 kroner.", True),  # no rate named: it may be
    ("Hvor mye koster det i dag?", "Det koster 300 kroner per time.", True),  # "i dag" is a time, not a rate
    ("Hvor mye tjente han i år?", "Han tjente 500 000 kroner per måned.", True),  # "i år" too
    # "hver person" distributes, it asks no period
    ("Hvor mye kapitalinntekt kan hver person ha?", "Kvar person kan ha 6 886 kroner per år utan at …", True),
    ("Hvor mye får man per person?", "Ein får 6 886 kroner per år.", True),
])
def test_a_rate_question_is_not_answered_per_another_unit(question, sentence, answers):
    assert holds_value(expected_answer_type(question), sentence, question) is answers


@pytest.mark.parametrize(("question", "asks"), [
    ("Hva er den flytende renten på startlån akkurat nå?", True),
    ("Hvor lang saksbehandlingstid har utvalget for tiden?", True),
    ("Kor mykje er bustøtta no?", True),
    ("Hvor mange kroner er rettsgebyret i dag? Jeg lurer på grensen.", True),
    ("Hva er dagens sats for økonomisk stønad?", True),
    ("Vi har gitt sosialhjelp. Nå kommer etterbetalingen. Kan kommunen kreve refusjon?", False),  # no value asked
    ("Ein 20-åring flyttar no til Tromsø. Kva for kommune har ansvaret?", False),  # "no" in another sentence
    ("Hvor mye kan han få nå som han har flyttet?", False),  # "nå som": a condition, not the present
    ("Hva er renten på startlån?", False),
])
def test_a_value_asked_for_now(question, asks):
    assert asks_present_value(question) is asks


@pytest.mark.parametrize(("question", "asks"), [
    ("Hvilken bank gir best rente på boliglån for førstegangskjøpere?", True),
    ("hvilket forsikringsselskap har billigst innboforsikring?", True),
    ("Hvilken strømavtale er rimeligst for en som bor alene?", True),
    ("Brukeren skal flytte på fredag. Hvor kan vi leie flyttebil?", True),
    ("kor kan eg kjøpe brukte møblar?", True),
    ("Hva er åpningstidene til NAV-kontoret i romjula?", True),
    ("Kva er den beste måten å følgje opp leigetakaren på?", False),  # the best way, not the best deal
    ("Hvor kan brukeren søke om bostøtte?", False),  # where to apply: the sources say
    ("Hva er laveste sats for bostøtte?", False),  # a rate of the rules, not a market price
    ("Kan kommunen leie boliger på det private markedet?", False),
])
def test_a_question_about_what_the_market_offers(question, asks):
    assert asks_market_offer(question) is asks


@pytest.mark.parametrize(("question", "sentence", "answers"), [
    # a duration asked by a compound in -tid is the time of what its first part names
    ("Kor lang sakshandsamingstid har nemnda?", "Klagefristen er tre uker, og klagen sendes til kommunen.", False),
    ("Hvor lang saksbehandlingstid har utvalget?", "Depositum kan maksimalt tilsvare seks måneders leie.", False),
    ("Hvor lang saksbehandlingstid er det på bostøtte?", "Søknaden skal behandles innen tre uker.", True),
    ("Hvor lang er oppsigelsestiden?", "Oppsigelsesfristen er tre måneder.", True),
    ("Hvor lang ventetid er det for kommunal bolig?", "Mange venter i over ett år.", True),
    ("Hvor lang tid tar det?", "Det tar tre uker.", True),  # no compound: any duration
])
def test_a_duration_asked_by_its_compound_is_the_time_of_its_first_part(question, sentence, answers):
    assert holds_value(AnswerType.DURATION, sentence, question) is answers


@pytest.mark.parametrize(("question", "kinds"), [
    ("Kor mange medlemer sit i nemnda, og for kor lang tid blir dei oppnemnde?", [C, D]),
    ("Hvor mye kan depositum være, og hvor lenge?", [Q, D]),
    ("Når er søknadsfristen, og kan frivillige søke?", [D]),  # the yes/no part asks no value
    ("Hvor mange kommuner og hvor mange familier deltok?", [C]),  # each kind once
    ("Kan han klage?", []),
])
def test_each_part_of_a_question_asks_for_its_own_kind_of_value(question, kinds):
    assert expected_answer_types(question) == kinds


def test_the_words_a_share_is_asked_by_are_no_subject():
    assert value_words("Hvor stor andel blir boende i boligen?") == ["Hvor stor andel"]
    assert value_words("Hva er andelen eiere?") == ["andelen"]
    assert value_words("Hvor mange andelsboliger finnes?") == []  # a compound with "andel" is a subject


@pytest.mark.parametrize(("question", "kind"), [
    # the situation told before the question asks nothing: "fristen" there is no deadline asked for
    ("Klienten postet klagen siste dagen av fristen, men den kom fram fire dager etterpå. Er klagen for sen?", None),
    ("Bruker fikk avslag i mai. Hvor lang er klagefristen?", AnswerType.DURATION),
    ("Hvor mange mistet boligen? Har vi noen tall på det?", AnswerType.COUNT),  # two questions, one value
    ("bruker fikk avslag i mai, hvor lang er klagefristen", AnswerType.DURATION),  # no "?": all of it
    # "når regnes/anses/gjelder …" asks under what condition, not when
    ("Vil drøfte en sak anonymt. Når regnes opplysningene som anonyme?", None),
    ("Når reknast opplysningane som anonyme?", None),
    ("Jeg jobber i en liten kommune. Når er en sak anonym nok til at jeg kan drøfte den?", None),
    ("Når må søknaden være sendt?", AnswerType.TIME),
])
def test_the_kind_asked_comes_from_the_asked_part(question, kind):
    assert expected_answer_type(question) == kind


def test_asked_part_keeps_the_questions():
    assert asked_part("Hun har fått avslag. Kan hun klage? Hvor lang er fristen?") == "Kan hun klage? Hvor lang er fristen?"


@pytest.mark.parametrize(("question", "sentence", "kind"), [
    ("Hvor mye får man i kvalifiseringsstønad i året?", "Stønaden er 2,041 ganger folketrygdens grunnbeløp.",
     AnswerType.AMOUNT),  # an amount in the base amount G
    ("Hvor mye er stønaden?", "Stønaden er 2 G per år.", AnswerType.AMOUNT),
    ("Hvor mange prosen svarte ja?", "Hele 37 prosent svarte ja.", AnswerType.COUNT),  # "prosen": a typo
    ("Hvor mange rusavhengige mistet boligen?", "Av 250 personer med rusavhengighet mistet mange boligen.",
     AnswerType.COUNT),  # people with what the question counts
])
def test_values_in_other_forms(question, sentence, kind):
    assert holds_value(kind, sentence, question)


@pytest.mark.parametrize(("question", "parts"), [
    ("Er ansvarsgruppa lovpålagt, og kan den fatte vedtak?", ["Er ansvarsgruppa lovpålagt", "kan den fatte vedtak?"]),
    ("Hvilke krav stilles – og hvor mye tid får prosjektlederen?", ["Hvilke krav stilles", "hvor mye tid får prosjektlederen?"]),
    ("Bruker er 19. Hvem har ansvaret, og hvor lenge kan han få hjelp?", ["Hvem har ansvaret", "hvor lenge kan han få hjelp?"]),
    ("Kan utleier heve kontrakten og kreve erstatning?", ["Kan utleier heve kontrakten og kreve erstatning?"]),
    ("Kor mange sit i nemnda, og for kor lang tid?", ["Kor mange sit i nemnda", "for kor lang tid?"]),  # a preposition
    ("Kva foreslo dei i Rogaland og Vestland når det gjeld husleiga?",  # "og" joining two names asks nothing again
     ["Kva foreslo dei i Rogaland og Vestland når det gjeld husleiga?"]),
])
def test_question_parts(question, parts):
    assert question_parts(question) == parts


@pytest.mark.parametrize(("question", "years"), [
    ("Hva ble besluttet på møtet i november 2019?", ["2019"]), ("Hva blir taket fra 1. juni 2027?", ["2027"]),
    ("Hva var målene i tiltaksplanen 2018–2020?", ["2018", "2020"]), ("Kor mange fekk lån i 2010?", ["2010"]),
    ("Betalte hun 2019 kroner?", []), ("Hva sier loven?", []),
    ("Hvilke kommuner brukte Rambøll (2011) som eksempler?", []),  # a cited publication's year
    ("Hva fant NOVA (2015: 3) i 2014?", ["2014"]),
])
def test_the_years_a_question_asks_about(question, years):
    assert asked_years(question) == years
