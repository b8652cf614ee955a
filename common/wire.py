"""Constants of the chat wire shared by the Rasa channel (.venv-rasa) and the action server
(.venv). Standard library only: both virtualenvs import this module."""

# Message metadata key under which the channel passes the verified token's claims
# (sub, role, patient) to the actions; never taken from the request body.
METADATA_KEY = "prescreen"
