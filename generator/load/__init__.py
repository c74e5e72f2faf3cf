"""Load and check a spec: find the files, read each into plain data, refuse what cannot be generated, warn
about the rest."""
