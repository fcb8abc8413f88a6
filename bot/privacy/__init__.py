"""Privacy: masking what users type (`redaction`, domain core: no Rasa), erasing one conversation (`erase`)
and deleting old ones (`retention`)."""
