"""The static mirror: URL-to-path mapping, link rewriting, the retirement notice."""
