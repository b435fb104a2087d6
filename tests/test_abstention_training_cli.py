"""Integration tier: `boligassistent eval train-abstention` end to end over two real indexes (the fixture corpus and a
small news corpus written here), with leave-one-document-out and cross-corpus negatives."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import build, make_settings

pytestmark = pytest.mark.integration

NEWS = {
    "fotball.txt": "Fotballkampen\n\nBodø/Glimt vant kampen mot Molde 3–1 etter to mål av kapteinen i andre omgang.\n",
    "brann.txt": "Brann i Bergen\n\nEn lagerbygning på Åsane brant ned natt til søndag, men ingen personer ble skadet.\n",
    "valg.txt": "Kommunevalget\n\nValgdeltakelsen i Tromsø økte til 64 prosent, den høyeste siden 1995.\n",
    "fly.txt": "Kampfly\n\nDe nye F-35-flyene skal etter planen stasjoneres på Ørland flystasjon i Trøndelag.\n",
    "bok.txt": "Ny roman\n\nForfatteren lanserte romanen «Fremmed fugl» på et forlag i Oslo i mars.\n",
    "jul.txt": "Julemarked\n\nJulemarkedet i Røros trakk rekordmange besøkende den første helgen i desember.\n",
}

NEWS_QUESTIONS = [
    ("n1", "Hvem vant kampen mellom Bodø/Glimt og Molde?", "fotball.txt",
     "Bodø/Glimt vant kampen mot Molde 3–1 etter to mål av kapteinen i andre omgang."),
    ("n2", "Hvor brant lagerbygningen?", "brann.txt",
     "En lagerbygning på Åsane brant ned natt til søndag, men ingen personer ble skadet."),
    ("n3", "Hvor høy var valgdeltakelsen i Tromsø?", "valg.txt",
     "Valgdeltakelsen i Tromsø økte til 64 prosent, den høyeste siden 1995."),
    ("n4", "Hvor skal F-35-flyene stasjoneres?", "fly.txt",
     "De nye F-35-flyene skal etter planen stasjoneres på Ørland flystasjon i Trøndelag."),
    ("n5", "Når kom romanen Fremmed fugl ut?", "bok.txt",
     "Forfatteren lanserte romanen «Fremmed fugl» på et forlag i Oslo i mars."),
    ("n6", "Hvor mange besøkte julemarkedet i Røros?", "jul.txt",
     "Julemarkedet i Røros trakk rekordmange besøkende den første helgen i desember."),
]

FIXTURE_QUESTIONS = [
    ("f1", "Kan en student få bostøtte?", "lover/lov-2099-01-01-1.md",
     "Studentar som ikkje har barn i husstanden, har ikkje rett til bustøtte."),
    ("f2", "Kan NAV gi politiet kontaktopplysninger?", "veiledning/taushetsplikt.html",
     "NAV-kontoret kan etter forespørsel gi politiet kontaktopplysninger."),
    ("f3", "Hva skjer med bostøtten når noen soner i fengsel lenge?", "lover/lov-2099-01-01-1.md",
     "Den som sonar i fengsel i meir enn seks månader, kan miste bustøtta etter ei individuell vurdering."),
    ("f4", "Når kan utleier heve leieavtalen?", "lovdata-xml/nl-20980326-017.xml",
     "Utleieren kan heve leieavtalen dersom leieren vesentlig misligholder sine plikter"),
    ("f5", "Kan opplysninger deles med kommunen uten samtykke?", "veiledning/taushetsplikt.html",
     "Opplysninger kan deles med kommunen uten samtykke når det er nødvendig for å fremme NAV-kontorets oppgaver."),
    ("f6", "Hva anbefaler evalueringen før løslatelse?", "rapporter/2099-testrapport.pdf",
     "Vi anbefaler at kommunene etablerer faste rutiner for boligkartlegging før løslatelse."),
]


def _write_set(path, questions, unanswerable):
    lines = [{"id": qid, "question": text, "answerable": True, "sources": [{"source": src, "evidence": span}],
              "answer_facts": []} for qid, text, src, span in questions]
    lines += [{"id": f"u{n}", "question": text, "answerable": False, "sources": [], "answer_facts": []}
              for n, text in enumerate(unanswerable)]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    return path


def test_train_abstention_asks_each_set_over_the_other_index_as_declines(tmp_path, fixture_settings, monkeypatch):
    from boligassistent.answering.abstention_model import LogisticModel
    from boligassistent.cli import app

    news = tmp_path / "news"
    news.mkdir()
    for name, text in NEWS.items():
        (news / name).write_text(text, encoding="utf-8")
    news_settings = make_settings(tmp_path, news, index=tmp_path / "news-index")
    build(news_settings)
    monkeypatch.setenv("BOLIG_STATE_DB", str(tmp_path / "state.sqlite3"))
    fixture_set = _write_set(tmp_path / "fixture.jsonl", FIXTURE_QUESTIONS,
                             ["Har du en god oppskrift på fiskesuppe?", "Hva koster en månedsbillett på bussen?"])
    news_set = _write_set(tmp_path / "news.jsonl", NEWS_QUESTIONS,
                          ["Hvem vant sjakk-VM i fjor?", "Hva heter ordføreren i Narvik?"])
    sets = ["--set", f"{fixture_settings.index_dir}={fixture_set}", "--set", f"{news_settings.index_dir}={news_set}"]
    model_path, report_path = tmp_path / "model.json", tmp_path / "report.json"
    result = CliRunner().invoke(app, ["eval", "train-abstention", *sets, "--folds", "2", "--model-out", str(model_path),
                                      "--report", str(report_path)])
    assert result.exit_code == 0, result.output
    model = LogisticModel.load(model_path)
    assert model.trained and model.trained["datasets"] == ["fixture.jsonl", "news.jsonl"]
    report = json.loads(report_path.read_text())

    def n(name: str) -> int:
        return sum(fold["slices"][name]["n"] for fold in report["folds"] if name in fold["slices"])

    fixture_name, news_name = fixture_settings.index_dir.name, news_settings.index_dir.name
    assert n(f"{fixture_name}/cross-corpus") == 8 and n(f"{news_name}/cross-corpus") == 8  # the other set's questions
    assert n(f"{fixture_name}/as-asked") == 8 and n(f"{fixture_name}/all") == 8 + 6  # + leave-one-document-out twins
    assert n("all/all") == 2 * (8 + 6)  # the dev-set figures leave the cross-corpus samples out
    for fold in report["folds"]:  # a cross-corpus question is always a decline: no false abstain can come of it
        for name, scores in fold["slices"].items():
            if name.endswith("/cross-corpus"):
                assert scores["false_abstain_rate"] == 0.0 and scores["precision"] in (0.0, 1.0)

    without = CliRunner().invoke(app, ["eval", "train-abstention", *sets, "--folds", "2", "--no-cross-corpus",
                                       "--model-out", str(tmp_path / "m2.json"), "--report", str(report_path)])
    assert without.exit_code == 0, without.output
    assert not [name for name in json.loads(report_path.read_text())["summary"] if name.endswith("/cross-corpus")]
