"""Package data, installed as `prescreen_data`: the synthetic ICC cohort (synthetic/) and the
chat's training data (nlu/, rules.yml). Found with importlib.resources, never by path."""
