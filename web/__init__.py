"""The web front on the chat port: the patient intake portal (/portal/...), the clinician chat
page (/clinician), their static files, and the proxy of POST /webhooks/prescreen/webhook to the
Rasa server(s) behind it. Runs in the app environment (.venv) on Sanic, which rasa-sdk already
pins there. Started by `prescreen serve` / `prescreen demo` (bot/supervisor.py)."""
