"""Parse messages with a trained Rasa model (run by .venv-rasa's Python; used by bench_chat.py).

    .venv-rasa/bin/python benchmarks/nlu_parse.py MODEL OUT.json < texts.json

Input: a JSON list of texts. Output: a JSON list of {intent, confidence, entities: [{entity, value}]}.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys


async def parse_all(model: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        out.append(
            {
                "intent": (parsed.get("intent") or {}).get("name"),
                "confidence": (parsed.get("intent") or {}).get("confidence"),
                "entities": [
                    {"entity": e["entity"], "value": e.get("value")} for e in parsed.get("entities", [])
                ],
            }
        )
    return out


def main() -> None:
    logging.disable(logging.WARNING)
    texts = json.load(sys.stdin)
    result = asyncio.run(parse_all(sys.argv[1], texts))
    with open(sys.argv[2], "w", encoding="utf-8") as out:  # Rasa writes to stdout itself
        json.dump(result, out)


if __name__ == "__main__":
    main()
