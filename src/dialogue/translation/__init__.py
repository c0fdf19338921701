"""Machine translation of posts, made on this machine (Apertium) or by the operator's own
LibreTranslate server, cached in the database."""
