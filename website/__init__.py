"""The course website: `make site` (python -m website) builds it into site/ (see website/build.py)."""
