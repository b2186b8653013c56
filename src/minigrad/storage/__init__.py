"""Files and checkpoints: atomic writes (files) and saving and loading models (checkpoint)."""
