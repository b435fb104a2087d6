/* Boligassistent chat widget. Embed with one tag:
 *   <script src="https://HOST/widget/boligassistent.js" data-api="https://HOST" data-key="WIDGET_KEY"></script>
 * Everything lives in a Shadow DOM, so host-page CSS neither breaks it nor is broken by it. No dependencies. */
(() => {
  "use strict";
  const script = document.currentScript;
  const API = ((script && script.dataset.api) || (script ? new URL(script.src, location.href).origin : location.origin)).replace(/\/$/, "");
  const KEY = (script && script.dataset.key) || "";
  const START_OPEN = script && script.dataset.open === "true";
  const STORE = "boligassistent:v1";
  const EXAMPLES = [
    "Kan en student få bostøtte?",
    "Hva skjer med bostøtten når brukeren soner mer enn seks måneder?",
    "Kan jeg dele opplysninger med kommunen uten samtykke?",
    "Hva fant evalueringen om samarbeid med kriminalomsorgen?",
  ];
  const REASONS = ["Feil eller utdatert", "Mangler kilde", "Svarte ikke på spørsmålet", "Vanskelig å forstå", "Annet"];

  const CSS = `
  :host { all: initial; }
  *, *::before, *::after { box-sizing: border-box; }
  .wrap { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #1a1a1a; }
  button, textarea, select, input { font: inherit; color: inherit; }
  button { cursor: pointer; border-radius: 6px; border: 2px solid #0b3d5c; background: #fff; color: #0b3d5c; padding: .4rem .75rem; min-height: 44px; }
  button.primary { background: #0b3d5c; color: #fff; }
  button:hover { background: #e6eef4; } button.primary:hover { background: #082d44; }
  :focus-visible { outline: 3px solid #c2410c; outline-offset: 2px; }
  .launcher { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000; background: #0b3d5c; color: #fff; border: none; border-radius: 999px; padding: .75rem 1.25rem; font-weight: 600; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
  .launcher:hover { background: #082d44; }
  .panel { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483001; width: min(440px, calc(100vw - 2rem)); height: min(720px, calc(100vh - 2rem)); background: #fff; border: 1px solid #8a99a6; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3); display: flex; flex-direction: column; overflow: hidden; }
  .panel[hidden], .launcher[hidden], [hidden] { display: none !important; }
  .head { display: flex; align-items: center; gap: .5rem; padding: .5rem .75rem; background: #0b3d5c; color: #fff; }
  .head h2 { font-size: 1.05rem; margin: 0; flex: 1; }
  .head button { border-color: #fff; background: transparent; color: #fff; padding: .25rem .6rem; }
  .head button:hover { background: #164e72; }
  .log { flex: 1; overflow-y: auto; padding: .75rem; display: flex; flex-direction: column; gap: .75rem; }
  .msg { border-radius: 10px; padding: .6rem .8rem; max-width: 100%; overflow-wrap: anywhere; }
  .user { align-self: flex-end; background: #e6eef4; }
  .bot { background: #f7f7f5; border: 1px solid #d6d6d0; }
  .bot p { margin: 0 0 .5rem; color: #1a1a1a; }
  .bot.abstained { border-left: 5px solid #b45309; }
  .bot.error { border-left: 5px solid #b91c1c; background: #fef2f2; }
  .bot h3 { margin: 0 0 .35rem; font-size: 1rem; }
  .chip { display: inline-flex; align-items: center; min-height: 32px; padding: .1rem .5rem; margin: .1rem .15rem; border-radius: 999px; border: 1px solid #0b3d5c; background: #fff; color: #0b3d5c; font-size: .875rem; }
  .cite { min-height: 28px; padding: 0 .4rem; font-size: .8rem; vertical-align: baseline; }
  .sources { margin-top: .5rem; } .sources h4 { margin: .25rem 0; font-size: .9rem; }
  .sources ol { margin: 0; padding-left: 0; list-style: none; }
  .actions { display: flex; flex-wrap: wrap; gap: .4rem; margin-top: .5rem; }
  .actions button { min-height: 36px; padding: .2rem .6rem; font-size: .9rem; }
  .feedback-form { margin-top: .5rem; display: grid; gap: .4rem; }
  .examples { display: grid; gap: .4rem; } .examples p { margin: 0; color: #1a1a1a; }
  .examples button { text-align: left; min-height: 44px; }
  form.ask { border-top: 1px solid #d6d6d0; padding: .6rem .75rem; display: flex; gap: .5rem; align-items: flex-end; }
  form.ask label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  textarea { flex: 1; resize: none; min-height: 44px; max-height: 8rem; border: 2px solid #5b6b78; border-radius: 6px; padding: .45rem .6rem; background: #fff; }
  .source { position: absolute; inset: 3rem 0 0 0; background: #fff; display: flex; flex-direction: column; border-top: 1px solid #d6d6d0; }
  .source .body { overflow-y: auto; padding: .75rem; flex: 1; }
  .source .quote { background: #fff7d6; border-left: 4px solid #b45309; padding: .5rem; margin: .5rem 0; white-space: pre-wrap; }
  .source .context { color: #3d3d3d; white-space: pre-wrap; font-size: .9rem; }
  .source a { color: #0b3d5c; }
  .status { font-size: .85rem; color: #3d3d3d; padding: 0 .75rem; min-height: 1.2em; }
  .note { font-size: .8rem; color: #3d3d3d; }
  @media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; border-radius: 0; } }
  `;

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
    return node;
  };

  const host = document.createElement("div");
  host.id = "boligassistent-widget";
  document.body.appendChild(host);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = CSS;
  root.appendChild(style);

  const state = JSON.parse(sessionStorage.getItem(STORE) || "null") || { conversationId: null, messages: [] };
  const save = () => sessionStorage.setItem(STORE, JSON.stringify(state));

  const launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": "ba-panel" }, "Spør boligassistenten");
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Samtale" });
  const status = el("div", { class: "status", role: "status", "aria-live": "polite" });
  const textarea = el("textarea", { id: "ba-question", rows: "1", maxlength: "1000", placeholder: "Skriv spørsmålet ditt …", autocomplete: "off" });
  const send = el("button", { class: "primary", type: "submit" }, "Send");
  const form = el("form", { class: "ask" }, el("label", { for: "ba-question" }, "Ditt spørsmål"), textarea, send);
  const closeBtn = el("button", { type: "button", "aria-label": "Lukk assistenten" }, "✕");
  const newBtn = el("button", { type: "button" }, "Ny samtale");
  const sourcePanel = el("section", { class: "source", hidden: true, role: "region", "aria-label": "Kilde", tabindex: "-1" });
  const panel = el("section", { class: "panel", id: "ba-panel", role: "dialog", "aria-label": "Boligassistent", hidden: true },
    el("div", { class: "head" }, el("h2", {}, "Boligassistent"), newBtn, closeBtn), log, status, form, sourcePanel);
  root.append(el("div", { class: "wrap" }, launcher, panel));

  function authHeaders() {
    const h = { "Content-Type": "application/json" };
    if (KEY) h["Authorization"] = "Bearer " + KEY;
    return h;
  }

  function errorText(status, detail) {
    if (status === 0) return "Du ser ut til å være frakoblet. Sjekk nettverket og prøv igjen.";
    if (status === 429) return "Du har stilt mange spørsmål på kort tid. Vent litt og prøv igjen.";
    if (status === 401 || status === 403) return "Assistenten er ikke riktig satt opp på denne siden (tilgangsnøkkel). Kontakt IT-støtte.";
    if (status === 422 || status === 413) return detail || "Spørsmålet kunne ikke behandles. Prøv å formulere det annerledes.";
    if (status >= 500) return "Tjenesten har problemer akkurat nå. Prøv igjen om litt.";
    return detail || "Noe gikk galt. Prøv igjen.";
  }

  function open(focus = true) {
    panel.hidden = false; launcher.hidden = true; launcher.setAttribute("aria-expanded", "true");
    if (!log.childElementCount) renderAll();
    if (focus) textarea.focus();
  }
  function close() {
    panel.hidden = true; launcher.hidden = false; launcher.setAttribute("aria-expanded", "false"); launcher.focus();
  }

  function renderExamples() {
    const box = el("div", { class: "examples" }, el("p", {}, "Hei! Jeg svarer ut fra lover, forskrifter, veiledere og evalueringsrapporter, og viser alltid kildene. Prøv for eksempel:"));
    for (const q of EXAMPLES) box.append(el("button", { type: "button", onclick: () => ask(q) }, q));
    log.append(box);
  }

  function textWithCitations(text, citations) {
    const frag = document.createDocumentFragment();
    for (const para of text.split(/\n\n+/)) {
      const p = el("p");
      let last = 0;
      for (const m of para.matchAll(/\[(\d+)\]/g)) {
        p.append(para.slice(last, m.index));
        const c = citations.find((x) => x.n === Number(m[1]));
        p.append(c ? el("button", { type: "button", class: "chip cite", "aria-label": `Vis kilde ${c.n}: ${c.display}`, onclick: () => showSource(c.chunk_id, c.quote) }, `[${c.n}]`) : m[0]);
        last = m.index + m[0].length;
      }
      p.append(para.slice(last));
      frag.append(p);
    }
    return frag;
  }

  function renderBot(data) {
    const box = el("div", { class: "msg bot" + (data.abstained ? " abstained" : "") });
    if (data.error) {
      box.classList.add("error");
      box.append(el("p", { role: "alert" }, data.error));
      return box;
    }
    if (data.abstained) box.append(el("h3", {}, "Finner ikke svar i kildene"));
    box.append(textWithCitations(data.answer || "", data.citations || []));
    if (data.citations && data.citations.length) {
      box.append(el("div", { class: "sources" }, el("h4", {}, "Kilder"),
        el("ol", {}, data.citations.map((c) => el("li", {}, el("button", { type: "button", class: "chip", onclick: () => showSource(c.chunk_id, c.quote) }, `[${c.n}] ${c.display}`))))));
    } else if (data.closest_sources && data.closest_sources.length) {
      box.append(el("div", { class: "sources" }, el("h4", {}, "Nærmeste kilder"),
        el("ol", {}, data.closest_sources.map((c) => el("li", {}, el("button", { type: "button", class: "chip", onclick: () => showSource(c.chunk_id, null) }, c.citation))))));
    }
    if (data.answer_id) box.append(actions(data));
    return box;
  }

  function actions(data) {
    const bar = el("div", { class: "actions" });
    const copy = el("button", { type: "button", onclick: async () => {
      const sources = (data.citations || []).map((c) => `[${c.n}] ${c.display}${c.url ? " – " + c.url : ""}`).join("\n");
      try { await navigator.clipboard.writeText(data.answer + (sources ? "\n\nKilder:\n" + sources : "")); status.textContent = "Svaret er kopiert."; }
      catch { status.textContent = "Kunne ikke kopiere automatisk. Marker teksten og kopier manuelt."; }
    } }, "Kopier svar");
    const up = el("button", { type: "button", "aria-label": "Nyttig svar", onclick: () => sendFeedback(data.answer_id, "up", null, null, bar) }, "Nyttig");
    const down = el("button", { type: "button", "aria-label": "Ikke nyttig svar", onclick: () => showReasonForm(data.answer_id, bar) }, "Ikke nyttig");
    bar.append(copy, up, down);
    return bar;
  }

  function showReasonForm(answerId, bar) {
    if (bar.querySelector(".feedback-form")) return;
    const select = el("select", { id: "ba-reason-" + answerId, "aria-label": "Hva var galt?" }, el("option", { value: "" }, "Velg grunn (valgfritt)"), REASONS.map((r) => el("option", { value: r }, r)));
    const comment = el("textarea", { rows: "2", maxlength: "2000", "aria-label": "Kommentar (valgfritt)", placeholder: "Kommentar (valgfritt). Ikke skriv personopplysninger." });
    const formBox = el("div", { class: "feedback-form" }, select, comment,
      el("button", { type: "button", class: "primary", onclick: () => sendFeedback(answerId, "down", select.value || null, comment.value || null, bar) }, "Send tilbakemelding"));
    bar.append(formBox);
    select.focus();
  }

  async function sendFeedback(answerId, rating, reason, comment, bar) {
    try {
      const r = await fetch(API + "/v1/feedback", { method: "POST", headers: authHeaders(), body: JSON.stringify({ answer_id: answerId, rating, reason, comment }) });
      if (!r.ok) throw Object.assign(new Error(), { status: r.status, detail: (await r.json().catch(() => ({}))).detail });
      bar.replaceChildren(el("span", { class: "note" }, "Takk for tilbakemeldingen!"));
      status.textContent = "Tilbakemeldingen er lagret.";
    } catch (e) {
      status.textContent = errorText(e.status || 0, e.detail);
    }
  }

  async function showSource(chunkId, quote) {
    const opener = root.activeElement;
    sourcePanel.hidden = false;
    sourcePanel.replaceChildren(el("div", { class: "body" }, el("p", {}, "Henter kilden …")));
    sourcePanel.focus();
    const back = el("button", { type: "button", onclick: () => { sourcePanel.hidden = true; if (opener) opener.focus(); } }, "← Tilbake til svaret");
    try {
      const r = await fetch(API + "/v1/sources/" + encodeURIComponent(chunkId), { headers: authHeaders() });
      if (!r.ok) throw Object.assign(new Error(), { status: r.status, detail: (await r.json().catch(() => ({}))).detail });
      const s = await r.json();
      const c = s.chunk;
      const body = el("div", { class: "body" },
        el("h3", {}, c.title),
        el("p", { class: "note" }, s.citation + (s.document.publisher ? " · " + s.document.publisher : "") + (s.document.date ? " · " + s.document.date : "")),
        s.before ? el("div", { class: "context" }, "… " + s.before.slice(-400)) : null,
        el("div", { class: "quote" }, c.text),
        s.after ? el("div", { class: "context" }, s.after.slice(0, 400) + " …") : null,
        c.url ? el("p", {}, el("a", { href: c.url, target: "_blank", rel: "noopener" }, c.kind === "lov" || c.kind === "forskrift" ? "Åpne på lovdata.no" : "Åpne kilden")) : null);
      sourcePanel.replaceChildren(el("div", { class: "head" }, back), body);
      back.focus();
    } catch (e) {
      sourcePanel.replaceChildren(el("div", { class: "head" }, back), el("div", { class: "body" }, el("p", { role: "alert" }, errorText(e.status || 0, e.detail))));
      back.focus();
    }
  }

  function renderAll() {
    log.replaceChildren();
    if (!state.messages.length) renderExamples();
    for (const m of state.messages) log.append(m.role === "user" ? el("div", { class: "msg user" }, m.text) : renderBot(m.data));
    log.scrollTop = log.scrollHeight;
  }

  async function readStream(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (data) onEvent(event, JSON.parse(data));
      }
    }
  }

  let busy = false;
  async function ask(question) {
    question = question.trim();
    if (!question || busy) return;
    busy = true; send.disabled = true;
    if (log.querySelector(".examples")) log.querySelector(".examples").remove();
    state.messages.push({ role: "user", text: question }); save();
    log.append(el("div", { class: "msg user" }, question));
    const pending = el("div", { class: "msg bot", "aria-busy": "true" });
    log.append(pending);
    status.textContent = "Leter i kildene …";
    textarea.value = "";
    let final = null;
    try {
      const r = await fetch(API + "/v1/chat/stream", { method: "POST", headers: authHeaders(), body: JSON.stringify({ message: question, conversation_id: state.conversationId }) });
      if (!r.ok) throw Object.assign(new Error(), { status: r.status, detail: (await r.json().catch(() => ({}))).detail });
      await readStream(r, (event, data) => {
        if (event === "meta") state.conversationId = data.conversation_id;
        else if (event === "sentence") pending.append(el("p", {}, data.text));
        else if (event === "done") final = data;
      });
      if (!final) throw Object.assign(new Error(), { status: 500 });
    } catch (e) {
      final = { error: errorText(e.status || 0, e.detail) };
    }
    const rendered = renderBot(final);
    pending.replaceWith(rendered);
    state.messages.push({ role: "bot", data: final }); save();
    status.textContent = final.error ? "" : final.abstained ? "Fant ikke svar i kildene." : "Svaret er klart.";
    log.scrollTop = log.scrollHeight;
    busy = false; send.disabled = false;
    textarea.focus();
  }

  launcher.addEventListener("click", () => open());
  closeBtn.addEventListener("click", close);
  newBtn.addEventListener("click", () => {
    state.conversationId = null; state.messages = []; save(); sourcePanel.hidden = true; renderAll(); status.textContent = "Ny samtale startet."; textarea.focus();
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); ask(textarea.value); });
  textarea.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); ask(textarea.value); } });
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { if (!sourcePanel.hidden) { sourcePanel.hidden = true; textarea.focus(); } else close(); }
  });
  if (START_OPEN || state.messages.length) open(false);
})();
