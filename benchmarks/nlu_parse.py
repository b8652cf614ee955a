"""Parse texts with a trained Rasa NLU model (runs in .venv-rasa; used by nlu_languages.py).

  .venv-rasa/bin/python benchmarks/nlu_parse.py MODEL.tar.gz OUT.json < texts.json

stdin: a JSON list of texts; OUT.json: a JSON list of {"intent", "confidence", "entities"}
(a file, not stdout: Rasa and TensorFlow print to stdout while loading).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys


def main() -> None:
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    agent = Agent.load(sys.argv[1])
    texts = json.load(sys.stdin)

    async def parse_all() -> list[dict]:
        out = []
        for text in texts:
            p = await agent.parse_message(text)
            out.append(
                {
                    "intent": (p.get("intent") or {}).get("name"),
                    "confidence": (p.get("intent") or {}).get("confidence"),
                    "entities": [
                        {"entity": e["entity"], "value": e.get("value"), "text": text[e["start"]:e["end"]]}
                        for e in p.get("entities") or []
                    ],
                }
            )
        return out

    parses = asyncio.run(parse_all())
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(parses, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
