"""One formatting layer: an Answer → each channel's format (plain text, Slack Block Kit, Adaptive Card)."""

from __future__ import annotations

from boligassistent.answering.models import Answer
from boligassistent.answering.refusals import INPUT_REFUSALS
from boligassistent.channels.messages import ABSTAIN_TITLE


def _not_found(answer: Answer) -> bool:
    """An abstention about the sources (not a refusal of the input itself, e.g. an over-long question)."""
    return answer.abstained and answer.reason not in INPUT_REFUSALS

def _source_line(n: int, display: str, title: str, url: str | None) -> str:
    label = f"{display} – {title}" if title and title not in display else display
    return f"[{n}] <{url}|{label}>" if url else f"[{n}] {label}"


def plain_text(answer: Answer) -> str:
    lines = [answer.text]
    if answer.citations:
        lines.append("\nKilder:")
        lines += [f"[{c.n}] {c.display()}" + (f" – {c.url}" if c.url else "") for c in answer.citations]
    return "\n".join(lines)


def slack_blocks(answer: Answer) -> list[dict]:
    blocks: list[dict] = []
    if _not_found(answer):
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": ABSTAIN_TITLE}})
    for part in answer.text.split("\n\n"):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": part[:2900]}})
    sources = [(_source_line(c.n, c.display(), c.title, c.url)) for c in answer.citations]
    if not sources and answer.closest_sources:
        sources = [f"• <{s['url']}|{s['citation']}>" if s.get("url") else f"• {s['citation']}" for s in answer.closest_sources]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "*Nærmeste kilder*"}]})
    if sources:
        if answer.citations:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "*Kilder*"}]})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(sources)[:2900]}})
    blocks.append({"type": "actions", "block_id": "feedback", "elements": [
        {"type": "button", "action_id": "feedback_up", "text": {"type": "plain_text", "text": "👍 Nyttig"},
         "value": answer.answer_id},
        {"type": "button", "action_id": "feedback_down", "text": {"type": "plain_text", "text": "👎 Ikke nyttig"},
         "value": answer.answer_id},
    ]})
    return blocks


def adaptive_card(answer: Answer) -> dict:
    """Adaptive Card 1.5 for Teams: answer, numbered sources with links, feedback actions."""
    body: list[dict] = []
    if _not_found(answer):
        body.append({"type": "TextBlock", "text": ABSTAIN_TITLE, "weight": "Bolder", "size": "Medium", "wrap": True})
    body += [{"type": "TextBlock", "text": part, "wrap": True} for part in answer.text.split("\n\n")]
    sources = [f"[{c.n}] [{c.display()}]({c.url})" if c.url else f"[{c.n}] {c.display()}" for c in answer.citations]
    if not sources and answer.closest_sources:
        sources = [f"[{s['citation']}]({s['url']})" if s.get("url") else s["citation"] for s in answer.closest_sources]
    if sources:
        body.append({"type": "TextBlock", "text": "Kilder" if answer.citations else "Nærmeste kilder", "weight": "Bolder",
                     "spacing": "Medium"})
        body += [{"type": "TextBlock", "text": line, "wrap": True, "spacing": "Small", "size": "Small"} for line in sources]
    actions = [{"type": "Action.Submit", "title": title,
                "data": {"action": "feedback", "rating": rating, "answer_id": answer.answer_id}}
               for title, rating in (("👍 Nyttig", "up"), ("👎 Ikke nyttig", "down"))]
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "version": "1.5",
            "body": body, "actions": actions}
