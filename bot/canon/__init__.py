"""The bundled canon pack: episodes, characters and terms, spoiler horizons and search."""
