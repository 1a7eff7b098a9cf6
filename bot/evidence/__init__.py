"""The evidence record: an append-only, hash-chained log of everything that happened in a case."""
