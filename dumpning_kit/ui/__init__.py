"""ipywidgets views. Notebooks call these; all logic stays in the package."""
